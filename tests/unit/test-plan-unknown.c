/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision core's unknowns rules (plan.h, U1-U4): what the daemon
 * could not read never leads to a destructive step.  plan-model.h refuses
 * every such step, so each converge()/model_apply() here is an oracle too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "plan-assert.h"

/* Threshold 2, one VF per VM, our PF of 7 with VMs holding VFs 0..n-1. */
static Model *split_with(unsigned vms, unsigned threshold, uint64_t dwell)
{
	Model *m = model_new(threshold, 1, dwell);

	model_add_pf(m, 7, 0, false);
	for (unsigned i = 0; i < vms; i++)
		model_start_vm(m, true);
	m->params.headroom = 0;
	m->mode.active = vms >= threshold;
	if (m->mode.active)
		converge(m);
	return m;
}

static void assert_line(Model *m, const Plan *p, size_t k, const char *want)
{
	PlanInput in = model_input(m);
	char *line = NULL;

	assert_int_equal(plan_action_format(&in, p, &p->actions[k], &line), 0);
	assert_string_equal(line, want);
	free(line);
}

/* U1: a VM whose metadata cannot be read is not an opt-out: it keeps its
 * VF (before: counted as opted out, its VF detached). */
static void test_unknown_vm_keeps_vf(void **state)
{
	_cleanup_free_ Model *m = split_with(3, 2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	m->vms[1].unknown = PLAN_UNKNOWN_METADATA;
	p = decide(m);
	assert_actions(p, "wait:unknown:-1:1");
	assert_int_equal(p->vms[1].path, PLAN_PATH_UNKNOWN);
	assert_int_equal(p->vms[1].wait, PLAN_WAIT_UNKNOWN);
	assert_int_equal(p->vms[1].n_vfs, 1);
	assert_int_equal(p->m1, 2);
	assert_int_equal(p->n_unknown, 1);
	assert_line(m, p, 0, "wait: VM vm2 is unknown this turn (metadata): it keeps what it holds and gets nothing new");
	assert_int_equal(model_apply(m, p), 0);
}

/* U1: an unknown VM is given nothing, even with a VF free for it. */
static void test_unknown_vm_gets_nothing(void **state)
{
	_cleanup_free_ Model *m = split_with(2, 2, 0);
	_cleanup_plan_free_ Plan *p = NULL;
	int vm;

	/* a spare VF, then a VM starts whose XML could not be read */
	model_reset_pf(m, 0, 0, true);
	m->mode.active = false;
	converge(m);
	m->params.headroom = PLAN_HEADROOM_MAX;
	vm = model_start_vm(m, true);
	m->vms[vm].unknown = PLAN_UNKNOWN_DEFINITION;
	p = decide(m);
	for (size_t k = 0; k < p->n_actions; k++)
		assert_int_not_equal(p->actions[k].vm == vm && p->actions[k].type != PLAN_WAIT, 1);
	assert_int_equal(p->vms[vm].n_vfs, 0);
	assert_int_equal(p->vms[vm].path, PLAN_PATH_UNKNOWN);
	assert_int_equal(model_apply(m, p), 0);
}

/* U2: unknown VMs never start the split. */
static void test_unknown_vm_does_not_start_split(void **state)
{
	_cleanup_free_ Model *m = split_with(1, 2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	m->vms[model_start_vm(m, true)].unknown = PLAN_UNKNOWN_UUID;
	p = decide(m);
	assert_false(p->mode.active);
	assert_int_equal(p->m1, 1);
	assert_actions(p, "wait:unknown:-1:1");
}

/* U2: the split does not end while the unknown VMs could make M1 reach
 * the threshold, and the dwell starts again once they are known (before:
 * vm2 counted as opted out, the split ended: detach, numvfs 0). */
static void test_split_stays_while_unknown(void **state)
{
	_cleanup_free_ Model *m = split_with(2, 2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	m->vms[1].unknown = PLAN_UNKNOWN_METADATA;
	m->mode.below_since_us = m->now_us - 10 * SEC;
	m->params.min_dwell_us = 5 * SEC;
	p = decide(m);
	assert_true(p->mode.active);
	assert_int_equal(p->mode.below_since_us, 0);
	assert_int_equal(p->wakeup_us, 0);
	assert_actions(p, "wait:unknown:-1:-1 wait:unknown:-1:1");
	assert_line(m, p, 0, "wait: the split stays: M1 1 is below the threshold of 2, but 1 VM(s) are unknown");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	/* known again, and opted out: only now does the dwell begin */
	m->vms[1].unknown = PLAN_KNOWN;
	m->vms[1].opted_out = true;
	p = decide(m);
	assert_true(p->mode.active);
	assert_int_equal(p->mode.below_since_us, m->now_us);
}

/* U1 + U2: when the split ends whatever the unknown VM is, the known VMs'
 * VFs go but the unknown VM keeps its own, so its PF keeps numvfs. */
static void test_split_ends_around_unknown(void **state)
{
	_cleanup_free_ Model *m = split_with(3, 3, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	model_stop_vm(m, 2);
	m->vms[0].unknown = PLAN_UNKNOWN_METADATA;
	p = decide(m);
	assert_false(p->mode.active);
	assert_actions(p, "detach:0:1:1 wait:pf-held:0:-1 wait:unknown:-1:0");
	assert_int_equal(p->pf_target[0], 3);
	assert_int_equal(p->vms[0].n_vfs, 1);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	p = decide(m);
	assert_actions(p, "wait:pf-held:0:-1 wait:unknown:-1:0");
}

/* U3: a VF whose driver link cannot be read is neither bound as a spare
 * nor given, and keeps its PF's numvfs (before: taken as driverless). */
static void test_unknown_driver_left_alone(void **state)
{
	_cleanup_free_ Model *m = model_new(1, 1, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	model_add_pf(m, 7, 2, true);
	m->vfs[0][0].driver = PLAN_DRIVER_UNKNOWN;
	m->vfs[0][1].driver = PLAN_DRIVER_VFIO;
	model_start_vm(m, true);
	m->mode.active = true;
	p = decide(m);
	assert_actions(p, "set-mac:0:1:0 attach:0:1:0");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	/* the split ends: VF 1 goes, but numvfs stays while VF 0 is unknown */
	model_stop_vm(m, 0);
	p = decide(m);
	assert_false(p->mode.active);
	assert_actions(p, "wait:pf-held:0:-1");
	assert_int_equal(p->pf_target[0], 2);
}

/* U3: a VF whose holder is unknown (its address did not parse) and that
 * the journal gave to vm0 counts as vm0's: never detached, and vm0 gets
 * no second one (before: left out, vm0 was given VF 1 on top). */
static void test_unknown_use_counts_for_its_vm(void **state)
{
	_cleanup_free_ Model *m = model_new(3, 1, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	model_add_pf(m, 7, 3, true);
	for (int i = 0; i < 3; i++)
		m->vfs[0][i].driver = PLAN_DRIVER_VFIO;
	model_start_vm(m, true);
	m->vfs[0][0].use = PLAN_VF_UNKNOWN;
	m->vfs[0][0].vm = 0;
	m->mode.active = true;
	p = decide(m);
	/* below the threshold: the split ends, but VF 0 stays where it is */
	assert_false(p->mode.active);
	assert_actions(p, "wait:pf-held:0:-1");
	assert_int_equal(p->vms[0].n_vfs, 1);
	plan_free(p);
	model_start_vm(m, true);
	model_start_vm(m, true);
	p = decide(m);
	assert_true(p->mode.active);
	assert_actions(p, "set-mac:0:1:1 attach:0:1:1 set-mac:0:2:2 attach:0:2:2");
	assert_int_equal(model_apply(m, p), 0);
}

/* U4: an unknown PF is never resized or zeroed and none of its VFs is
 * given; a VM that finds no VF elsewhere says that PF is unknown. */
static void test_unknown_pf(void **state)
{
	_cleanup_free_ Model *m = model_new(2, 1, 0);
	_cleanup_plan_free_ Plan *p = NULL;
	PlanInput in;

	model_add_pf(m, 1, 0, true);
	model_add_pf(m, 0, 0, true);
	m->pfs[1].unknown = PLAN_UNKNOWN_SYSFS;
	for (int i = 0; i < 2; i++)
		model_start_vm(m, true);
	p = decide(m);
	assert_actions(p, "wait:unknown:1:-1 numvfs:0=1 bind-vfio:0:0:-1 set-mac:0:0:0 attach:0:0:0 wait:unknown:1:1");
	assert_line(m, p, 0, "wait: PF pf1 is unknown this turn (sysfs): numvfs stays and none of its VFs is given");
	assert_line(m, p, 5, "wait: VM vm2 stays on virtio: no VF is free on the known PFs, and PF pf1 is unknown");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	/* the split ends: pf0 goes to 0 once free, pf1 (split by us) stays */
	model_stop_vm(m, 1);
	model_stop_vm(m, 0);
	m->pfs[1].numvfs = 0;
	p = decide(m);
	assert_actions(p, "wait:unknown:1:-1 numvfs:0=0");
	assert_int_equal(model_apply(m, p), 0);
	/* the contract: an unknown PF lists no VF */
	plan_free(p);
	p = NULL;
	m->pfs[0].unknown = PLAN_UNKNOWN_SYSFS;
	model_reset_pf(m, 0, 1, true);
	in = model_input(m);
	assert_int_equal(plan_decide(&in, &p), -EINVAL);
}

/* U3: once a domain's XML is unknown, every VF no known domain holds may
 * be its: none is given, bound or resized away. */
static void test_free_vfs_unknown(void **state)
{
	_cleanup_free_ Model *m = split_with(2, 2, 0);
	_cleanup_plan_free_ Plan *p = NULL;
	int vm;

	model_reset_pf(m, 0, 0, true);
	m->mode.active = false;
	m->params.headroom = 2;
	converge(m);
	vm = model_start_vm(m, true);
	m->vms[vm - 1].unknown = PLAN_UNKNOWN_DEFINITION;
	for (size_t i = 0; i < m->pfs[0].n_vfs; i++)
		if (m->vfs[0][i].use == PLAN_VF_FREE)
			m->vfs[0][i].use = PLAN_VF_UNKNOWN;
	p = decide(m);
	assert_actions(p, "wait:unknown:-1:1 wait:pf-busy:0:2");
	assert_int_equal(model_apply(m, p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_vm_keeps_vf),
		cmocka_unit_test(test_unknown_vm_gets_nothing),
		cmocka_unit_test(test_unknown_vm_does_not_start_split),
		cmocka_unit_test(test_split_stays_while_unknown),
		cmocka_unit_test(test_split_ends_around_unknown),
		cmocka_unit_test(test_unknown_driver_left_alone),
		cmocka_unit_test(test_unknown_use_counts_for_its_vm),
		cmocka_unit_test(test_unknown_pf),
		cmocka_unit_test(test_free_vfs_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
