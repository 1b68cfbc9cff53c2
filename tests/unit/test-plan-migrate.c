/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision core and live migration (plan.h G1, G2), and where each
 * VM's traffic goes (PlanPath).  plan-model.h refuses a detach from, a
 * MAC for and an attach to a migrating VM, so every model_apply() here is
 * an oracle of G1 too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "plan-assert.h"

static const uint8_t pair_mac[PLAN_MAC_LEN] = { 0x52, 0x54, 0x00, 0x7e, 0x10, 0x01 };

/* Threshold 2, one VF per VM, one PF of 7 that kvmnetd split for `vms`
 * VMs (VFs 0..vms-1) plus `headroom` spares, converged. */
static Model *host_with(unsigned vms, unsigned headroom)
{
	Model *m = model_new(2, 1, 0);

	model_add_pf(m, 7, 0, false);
	m->params.headroom = headroom;
	for (unsigned i = 0; i < vms; i++)
		model_start_vm(m, true);
	converge(m);
	return m;
}

static bool touches(const Plan *p, int vm)
{
	for (size_t k = 0; k < p->n_actions; k++)
		if (p->actions[k].vm == vm && p->actions[k].type != PLAN_WAIT)
			return true;
	return false;
}

static size_t count_type(const Plan *p, PlanActionType t)
{
	size_t n = 0;

	for (size_t k = 0; k < p->n_actions; k++)
		n += p->actions[k].type == t;
	return n;
}

/* G1: an incoming VM (paused on the destination) is given nothing, not
 * even the spare that waits for it; once it runs here it takes that
 * spare, with its failover pair's MAC. */
static void test_incoming_waits_then_gets_vf(void **state)
{
	_cleanup_free_ Model *m = host_with(2, 1);
	_cleanup_plan_free_ Plan *p = NULL;
	PlanInput in;
	char *line = NULL;
	int vm = model_start_vm(m, true);

	m->vms[vm].migrating = true;
	m->vms[vm].has_team_mac = true;
	memcpy(m->vms[vm].team_mac, pair_mac, PLAN_MAC_LEN);
	p = decide(m);
	assert_actions(p, "wait:migrating:-1:2");
	assert_int_equal(p->vms[vm].path, PLAN_PATH_MIGRATING);
	assert_int_equal(p->vms[vm].wait, PLAN_WAIT_MIGRATING);
	assert_int_equal(p->vms[vm].n_vfs, 0);
	/* G2: it counts, and the spare stays for it */
	assert_int_equal(p->m1, 3);
	assert_int_equal(p->n1, 3);
	assert_int_equal(p->spare, 1);
	in = model_input(m);
	assert_int_equal(plan_action_format(&in, p, &p->actions[0], &line), 0);
	assert_string_equal(line, "wait: VM vm3 is being migrated: it keeps what it holds and gets nothing until "
				  "libvirt says the migration is over");
	free(line);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);

	/* the migration is over: an ordinary VM, on the spare, teamed */
	m->vms[vm].migrating = false;
	p = decide(m);
	assert_actions(p, "set-mac:0:2:2 attach:0:2:2");
	assert_memory_equal(p->actions[0].mac, pair_mac, PLAN_MAC_LEN);
	assert_memory_equal(p->actions[1].mac, pair_mac, PLAN_MAC_LEN);
	assert_int_equal(p->vms[vm].path, PLAN_PATH_VF_PENDING);
	assert_int_equal(p->vms[vm].n_attach, 1);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->vms[vm].path, PLAN_PATH_VF);
	assert_int_equal(p->vms[vm].n_attach, 0);
}

/* G2: an incoming VM counts toward the threshold: the split starts and
 * its VF is made (and bound) before it runs here, but not given. */
static void test_incoming_starts_split(void **state)
{
	_cleanup_free_ Model *m = host_with(1, 0);
	_cleanup_plan_free_ Plan *p = NULL;
	int vm = model_start_vm(m, true);

	m->vms[vm].migrating = true;
	p = decide(m);
	assert_true(p->mode.active);
	assert_int_equal(p->n1, 2);
	assert_actions(p, "numvfs:0=2 bind-vfio:0:0:-1 set-mac:0:0:0 attach:0:0:0 wait:migrating:-1:1 "
			  "bind-vfio:0:1:-1");
	assert_false(touches(p, vm));
	assert_int_equal(p->spare, 1);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	m->vms[vm].migrating = false;
	p = decide(m);
	assert_actions(p, "set-mac:0:1:1 attach:0:1:1");
	assert_int_equal(model_apply(m, p), 0);
}

/* G1: an outgoing VM keeps its VF when the split ends (the other VMs
 * stopped) and when it opts out: no detach, and so no numvfs 0. */
static void test_outgoing_keeps_vf(void **state)
{
	_cleanup_free_ Model *m = host_with(2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	m->vms[0].migrating = true;
	model_stop_vm(m, 1);
	p = decide(m);
	assert_false(p->mode.active);
	assert_int_equal(count_type(p, PLAN_DETACH), 0);
	assert_int_equal(count_type(p, PLAN_SET_NUMVFS), 0);
	assert_int_equal(p->vms[0].path, PLAN_PATH_MIGRATING);
	assert_int_equal(p->vms[0].n_vfs, 1);
	assert_int_equal(p->pf_target[0], 2);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	m->vms[0].opted_out = true;
	p = decide(m);
	assert_int_equal(count_type(p, PLAN_DETACH), 0);
	assert_int_equal(p->vms[0].path, PLAN_PATH_MIGRATING);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	/* it stays after all (cancelled), opted out: now it goes */
	m->vms[0].migrating = false;
	p = decide(m);
	assert_int_equal(count_type(p, PLAN_DETACH), 1);
	assert_int_equal(p->vms[0].path, PLAN_PATH_VF_PENDING);
	assert_int_equal(p->vms[0].n_detach, 1);
	assert_int_equal(model_apply(m, p), 0);
}

/* The source after the migration: the domain is gone, its VF is a spare
 * at once, and nothing is detached from anyone. */
static void test_left_by_migration(void **state)
{
	_cleanup_free_ Model *m = host_with(3, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	m->vms[1].migrating = true;
	p = decide(m);
	assert_int_equal(p->spare, 0);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	model_stop_vm(m, 1);
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_true(p->mode.active);
	assert_int_equal(p->spare, 1);
	assert_int_equal(p->pf_spare[0], 1);
}

/* A failed or cancelled migration: the VM runs on here, ordinary again;
 * the VF QEMU unplugged for the migration comes back (the first free
 * one, with its pair's MAC), and one it kept stays. */
static void test_cancelled_gets_vf_back(void **state)
{
	_cleanup_free_ Model *m = host_with(2, 0);
	_cleanup_plan_free_ Plan *p = NULL;
	PlanVf *vf = model_vf(m, 0, 0);

	m->vms[0].migrating = true;
	m->vms[0].has_team_mac = true;
	memcpy(m->vms[0].team_mac, pair_mac, PLAN_MAC_LEN);
	/* unplugged for the migration: libvirt shows it free */
	vf->use = PLAN_VF_FREE;
	vf->vm = -1;
	p = decide(m);
	assert_false(touches(p, 0));
	assert_int_equal(p->vms[0].path, PLAN_PATH_MIGRATING);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	m->vms[0].migrating = false;
	p = decide(m);
	assert_actions(p, "set-mac:0:0:0 attach:0:0:0");
	assert_memory_equal(p->actions[1].mac, pair_mac, PLAN_MAC_LEN);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	/* vm1 kept its VF through a cancelled migration: nothing to do */
	m->vms[1].migrating = true;
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	plan_free(p);
	m->vms[1].migrating = false;
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->vms[1].path, PLAN_PATH_VF);
}

/* U1 before G1: a migrating VM whose state is otherwise unknown waits as
 * unknown (the status says why). */
static void test_unknown_before_migrating(void **state)
{
	_cleanup_free_ Model *m = host_with(2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	m->vms[1].migrating = true;
	m->vms[1].unknown = PLAN_UNKNOWN_METADATA;
	p = decide(m);
	/* (and M1 1 with an unknown VM keeps the split, U2) */
	assert_actions(p, "wait:unknown:-1:-1 wait:unknown:-1:1");
	assert_int_equal(p->vms[1].path, PLAN_PATH_UNKNOWN);
	assert_int_equal(p->vms[1].wait, PLAN_WAIT_UNKNOWN);
	assert_int_equal(model_apply(m, p), 0);
}

/* The names status shows. */
static void test_names(void **state)
{
	assert_string_equal(plan_path_to_string(PLAN_PATH_VF_PENDING), "vf-pending");
	assert_string_equal(plan_path_to_string(PLAN_PATH_MIGRATING), "migrating");
	assert_string_equal(plan_path_to_string(PLAN_PATH_VF), "vf");
	assert_string_equal(plan_wait_to_string(PLAN_WAIT_MIGRATING), "migrating");
	assert_string_equal(plan_unknown_to_string(PLAN_UNKNOWN_JOB), "migration-state");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incoming_waits_then_gets_vf),
		cmocka_unit_test(test_incoming_starts_split),
		cmocka_unit_test(test_outgoing_keeps_vf),
		cmocka_unit_test(test_left_by_migration),
		cmocka_unit_test(test_cancelled_gets_vf_back),
		cmocka_unit_test(test_unknown_before_migrating),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
