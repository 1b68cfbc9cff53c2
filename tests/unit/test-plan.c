/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "plan-assert.h"

static Model *two_pfs(unsigned threshold, unsigned vms)
{
	Model *m = model_new(threshold, 1, 30 * SEC);

	model_add_pf(m, 7, 0, false);
	model_add_pf(m, 7, 0, false);
	for (unsigned i = 0; i < vms; i++)
		model_start_vm(m, true);
	return m;
}

static void test_below_threshold(void **state)
{
	_cleanup_free_ Model *m = two_pfs(4, 3);
	_cleanup_plan_free_ Plan *p = decide(m);

	assert_false(p->mode.active);
	assert_int_equal(p->m1, 3);
	assert_int_equal(p->n1, 0);
	assert_int_equal(p->n_actions, 0);
	assert_int_equal(p->wakeup_us, 0);
	assert_int_equal(p->vms[0].path, PLAN_PATH_VIRTIO);
	assert_int_equal(p->vms[0].wait, PLAN_WAIT_BELOW_THRESHOLD);
}

static void test_reach_threshold(void **state)
{
	_cleanup_free_ Model *m = two_pfs(4, 4);
	_cleanup_plan_free_ Plan *p = decide(m);

	assert_true(p->mode.active);
	assert_int_equal(p->n1, 4);
	assert_int_equal(p->pf_target[0], 2);
	assert_int_equal(p->pf_target[1], 2);
	/* resize, bind every new VF, then MAC before attach, VMs spread */
	assert_actions(p, "numvfs:0=2 numvfs:1=2 bind-vfio:0:0:-1 bind-vfio:0:1:-1 bind-vfio:1:0:-1 bind-vfio:1:1:-1 "
			  "set-mac:0:0:0 attach:0:0:0 set-mac:1:0:1 attach:1:0:1 "
			  "set-mac:0:1:2 attach:0:1:2 set-mac:1:1:3 attach:1:1:3");
	/* asked of libvirt in this plan: pending until observed */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(p->vms[i].path, PLAN_PATH_VF_PENDING);
		assert_int_equal(p->vms[i].n_vfs, 1);
		assert_int_equal(p->vms[i].n_attach, 1);
	}
	/* the MAC of the attach is the VM's */
	{
		uint8_t mac[6];

		plan_vm_mac(m->vms[2].uuid, 0, mac);
		assert_memory_equal(p->actions[11].mac, mac, 6);
		assert_memory_equal(p->actions[10].mac, mac, 6);
	}
	converge(m);
}

static void test_grow_refused_while_held(void **state)
{
	_cleanup_free_ Model *m = two_pfs(4, 4);
	_cleanup_plan_free_ Plan *p = NULL;
	char *line = NULL;
	PlanInput in;

	converge(m);
	model_start_vm(m, true);
	p = decide(m);
	/* both PFs hold VFs: no numvfs change, the new VM waits and says why */
	assert_actions(p, "wait:pf-busy:0:4");
	assert_int_equal(p->vms[4].path, PLAN_PATH_VIRTIO);
	assert_int_equal(p->vms[4].wait, PLAN_WAIT_PF_BUSY);
	assert_int_equal(p->pf_target[0], 2);
	in = model_input(m);
	assert_int_equal(plan_action_format(&in, p, &p->actions[0], &line), 0);
	assert_string_equal(line, "wait: VM vm5 stays on virtio: more VFs needed but PF pf0 has VFs in use; "
				  "changing numvfs would destroy them");
	free(line);
}

static void test_grow_through_zero(void **state)
{
	_cleanup_free_ Model *m = model_new(2, 1, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	/* our PF with 2 idle VFs, 3 VMs: it is free to go 2 -> 0 -> 3 */
	model_add_pf(m, 7, 2, true);
	for (int i = 0; i < 3; i++)
		model_start_vm(m, true);
	m->mode.active = true;
	p = decide(m);
	assert_actions(p, "numvfs:0=0 numvfs:0=3 bind-vfio:0:0:-1 bind-vfio:0:1:-1 bind-vfio:0:2:-1 "
			  "set-mac:0:0:0 attach:0:0:0 set-mac:0:1:1 attach:0:1:1 set-mac:0:2:2 attach:0:2:2");
	converge(m);
}

static void test_free_vf_used_without_resize(void **state)
{
	_cleanup_free_ Model *m = model_new(2, 1, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	/* after a crash between creating and binding: VFs exist, driverless */
	model_add_pf(m, 7, 3, true);
	model_start_vm(m, true);
	model_start_vm(m, true);
	p = decide(m);
	/* VF 2 is a spare: bound, but after the attaches */
	assert_actions(p, "bind-vfio:0:0:-1 bind-vfio:0:1:-1 "
			  "set-mac:0:0:0 attach:0:0:0 set-mac:0:1:1 attach:0:1:1 bind-vfio:0:2:-1");
	assert_int_equal(p->spare, 1);
	assert_int_equal(p->pf_spare[0], 1);
	converge(m);
}

static void test_caps(void **state)
{
	_cleanup_free_ Model *m = model_new(2, 2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	model_add_pf(m, 3, 0, false);
	model_add_pf(m, 4, 0, false);
	for (int i = 0; i < 4; i++)
		model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(p->n1, 7);
	assert_int_equal(p->pf_target[0], 3);
	assert_int_equal(p->pf_target[1], 4);
	assert_int_equal(p->vms[3].n_vfs, 1);
	assert_int_equal(p->vms[3].wait, PLAN_WAIT_NO_CAPACITY);
	assert_int_equal(p->vms[2].n_vfs, 2);
	assert_int_equal(p->actions[p->n_actions - 1].type, PLAN_WAIT);
	converge(m);
}

static void test_hysteresis(void **state)
{
	_cleanup_free_ Model *m = two_pfs(4, 4);
	Plan *p;

	converge(m);
	model_stop_vm(m, 1);
	m->now_us = 100 * SEC;
	p = decide(m);
	/* below M: keep everything, arm a timer for min_dwell */
	assert_true(p->mode.active);
	assert_int_equal(p->mode.below_since_us, 100 * SEC);
	assert_int_equal(p->wakeup_us, 130 * SEC);
	assert_actions(p, "wait:dwell:-1:-1");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);

	/* a VM starts again within the dwell: back above, timer off, and the
	 * new VM gets the VF the stopped one left */
	m->now_us = 110 * SEC;
	model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(p->mode.below_since_us, 0);
	assert_int_equal(p->wakeup_us, 0);
	assert_actions(p, "set-mac:1:0:3 attach:1:0:3");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);

	/* below again; just before the dwell ends nothing happens */
	model_stop_vm(m, 0);
	m->now_us = 200 * SEC;
	plan_free(decide(m));
	m->mode.below_since_us = 200 * SEC;
	m->now_us = 229 * SEC;
	p = decide(m);
	assert_true(p->mode.active);
	assert_int_equal(p->wakeup_us, 230 * SEC);
	plan_free(p);

	/* at the end of the dwell: detach all, then numvfs 0 */
	m->now_us = 230 * SEC;
	p = decide(m);
	assert_false(p->mode.active);
	/* left: vm3 on pf0 VF 1, vm4 on pf1 VF 1, vm6 on pf1 VF 0 */
	assert_actions(p, "detach:0:1:0 detach:1:0:2 detach:1:1:1 numvfs:0=0 numvfs:1=0");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	converge(m);
}

static void test_only_nic(void **state)
{
	_cleanup_free_ Model *m = two_pfs(2, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	model_start_vm(m, false);
	model_start_vm(m, true);
	converge(m);
	model_stop_vm(m, 1);
	m->params.min_dwell_us = 0;
	p = decide(m);
	/* vm1 has no other NIC: it keeps its VF, and so its PF stays split;
	 * the other PF is free and goes back to 0 */
	assert_actions(p, "wait:only-nic:0:0 wait:pf-held:0:-1 numvfs:1=0");
	assert_int_equal(p->vms[0].path, PLAN_PATH_VF);
	assert_int_equal(p->vms[0].wait, PLAN_WAIT_ONLY_NIC);
	assert_int_equal(p->pf_target[0], 1);
	assert_int_equal(model_apply(m, p), 0);
}

static void test_hand_and_foreign(void **state)
{
	_cleanup_free_ Model *m = model_new(2, 1, 0);
	_cleanup_plan_free_ Plan *p = NULL;

	/* someone split pf0 by hand: VF 0 on a host driver, VF 1 given by
	 * hand to vm1, VF 2 free on vfio-pci; pf1 is ours to split */
	model_add_pf(m, 4, 3, false);
	model_add_pf(m, 4, 0, false);
	m->vfs[0][0].driver = PLAN_DRIVER_OTHER;
	m->vfs[0][1] = (PlanVf){ .index = 1, .driver = PLAN_DRIVER_VFIO, .use = PLAN_VF_FOREIGN, .vm = 0 };
	m->vfs[0][2].driver = PLAN_DRIVER_VFIO;
	for (int i = 0; i < 4; i++)
		model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(p->vms[0].path, PLAN_PATH_HAND);
	assert_int_equal(p->m1, 4);
	assert_int_equal(p->n1, 3);
	/* three VMs want VFs: pf0's free one, and two on pf1 */
	assert_int_equal(p->pf_target[0], 3);
	assert_int_equal(p->pf_target[1], 2);
	assert_actions(p, "numvfs:1=2 bind-vfio:1:0:-1 bind-vfio:1:1:-1 set-mac:1:0:1 attach:1:0:1 "
			  "set-mac:0:2:2 attach:0:2:2 set-mac:1:1:3 attach:1:1:3");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	p = NULL;

	/* one more VM: pf1 is busy, and pf0's numvfs is not ours */
	model_start_vm(m, true);
	p = decide(m);
	assert_actions(p, "wait:pf-busy:1:4");
	plan_free(p);
	p = NULL;

	/* everyone leaves: our VFs go, pf0 stays as its owner left it */
	while (m->n_vms)
		model_stop_vm(m, 0);
	p = decide(m);
	assert_actions(p, "numvfs:1=0");
	assert_int_equal(p->pf_target[0], 3);
}

static void test_opt_out(void **state)
{
	_cleanup_free_ Model *m = two_pfs(2, 3);
	_cleanup_plan_free_ Plan *p = NULL;

	converge(m);
	m->vms[1].opted_out = true;
	p = decide(m);
	assert_int_equal(p->m1, 2);
	/* the spread put vm1 on pf0 VF 1 (pf0 had 2 VFs, pf1 1) */
	assert_actions(p, "detach:0:1:1");
	/* until the detach is seen done, the VF may still carry its traffic */
	assert_int_equal(p->vms[1].path, PLAN_PATH_VF_PENDING);
	assert_int_equal(p->vms[1].n_detach, 1);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	p = decide(m);
	assert_int_equal(p->vms[1].path, PLAN_PATH_OPTED_OUT);
	plan_free(p);
	p = NULL;
	converge(m);
	/* an opted-out VM does not count toward M */
	m->vms[0].opted_out = true;
	m->params.min_dwell_us = 0;
	p = decide(m);
	assert_false(p->mode.active);
}

static void test_fewer_vfs_per_vm(void **state)
{
	_cleanup_free_ Model *m = two_pfs(1, 1);
	_cleanup_plan_free_ Plan *p = NULL;

	m->params.vfs_per_vm = 2;
	converge(m);
	m->params.vfs_per_vm = 1;
	p = decide(m);
	/* the VM keeps the first of its two VFs */
	assert_actions(p, "detach:1:0:0");
}

static void test_mac(void **state)
{
	uint8_t a[16] = { 1, 2, 3 }, b[16] = { 1, 2, 4 }, m1[6], m2[6], m3[6], m4[6];

	plan_vm_mac(a, 0, m1);
	plan_vm_mac(a, 0, m2);
	plan_vm_mac(a, 1, m3);
	plan_vm_mac(b, 0, m4);
	assert_memory_equal(m1, m2, 6);
	assert_memory_not_equal(m1, m3, 6);
	assert_memory_not_equal(m1, m4, 6);
	for (int i = 0; i < 1000; i++) {
		a[0] = (uint8_t)i;
		a[1] = (uint8_t)(i >> 8);
		plan_vm_mac(a, (unsigned)i % 3, m1);
		assert_int_equal(m1[0] & 0x03, 0x02); /* local, unicast */
	}
}

static void test_invalid(void **state)
{
	_cleanup_free_ Model *m = two_pfs(2, 2);
	PlanInput in;
	Plan *p = NULL;

	m->pfs[0].numvfs = 8; /* > totalvfs */
	in = model_input(m);
	assert_int_equal(plan_decide(&in, &p), -EINVAL);
	model_reset_pf(m, 0, 2, true);
	m->vfs[0][1].index = 0; /* listed twice */
	assert_int_equal(plan_decide(&in, &p), -EINVAL);
	model_reset_pf(m, 0, 2, true);
	m->vfs[0][1] = (PlanVf){ .index = 1, .use = PLAN_VF_OURS, .vm = 2 }; /* no such VM */
	assert_int_equal(plan_decide(&in, &p), -EINVAL);
	model_reset_pf(m, 0, 2, true);
	in.params.vfs_per_vm = 0;
	assert_int_equal(plan_decide(&in, &p), -EINVAL);
	assert_null(p);
}

/* 8 PFs x 64 VFs, 512 VMs: everyone served, no VF given twice, and a
 * fixed point; 40 more VMs wait, then the first stop frees a VF. */
static void test_scale(void **state)
{
	_cleanup_free_ Model *m = model_new(4, 1, 30 * SEC);
	_cleanup_plan_free_ Plan *p = NULL;
	static bool seen[MODEL_MAX_PFS][MODEL_MAX_VFS];
	size_t attaches = 0;

	for (int i = 0; i < 8; i++)
		model_add_pf(m, 64, 0, false);
	for (int i = 0; i < 512; i++)
		model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(p->n1, 512);
	for (size_t k = 0; k < p->n_actions; k++)
		if (p->actions[k].type == PLAN_ATTACH) {
			const PlanAction *a = &p->actions[k];

			assert_false(seen[a->pf][a->vf]);
			seen[a->pf][a->vf] = true;
			attaches++;
		}
	assert_int_equal(attaches, 512);
	converge(m);
	plan_free(p);
	for (int i = 0; i < 40; i++)
		model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->vms[551].wait, PLAN_WAIT_NO_CAPACITY);
	plan_free(p);
	model_stop_vm(m, 7);
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 2); /* the first waiting VM gets it */
	assert_int_equal(p->actions[1].vm, 511);
}

/* Random hosts and event sequences: every plan is accepted by the model
 * (no EBUSY, nothing destroyed in use, nothing taken twice, no VM left
 * without a NIC), and decide/apply reaches a fixed point quickly. */
static void test_random(void **state)
{
	unsigned seed = 12345, applied = 0;

	for (int round = 0; round < 300; round++) {
		_cleanup_free_ Model *m = model_new(1 + (unsigned)rand_r(&seed) % 4, 1 + (unsigned)rand_r(&seed) % 2,
						     (unsigned)rand_r(&seed) % 3 * SEC);
		int n_pfs = 1 + rand_r(&seed) % 3;
		/* exact, a few spares, or max */
		unsigned hr[] = { 0, 1, 3, PLAN_HEADROOM_MAX };

		m->params.headroom = hr[rand_r(&seed) % 4];

		for (int p = 0; p < n_pfs; p++) {
			bool theirs = rand_r(&seed) % 4 == 0;

			model_add_pf(m, 1 + (unsigned)rand_r(&seed) % 8, theirs ? 1 + (unsigned)rand_r(&seed) % 1 : 0, !theirs);
			if (theirs && rand_r(&seed) % 2)
				m->vfs[p][0].driver = PLAN_DRIVER_OTHER;
		}
		for (int step = 0; step < 12; step++) {
			int ev = rand_r(&seed) % 5;
			Plan *p;
			int tries = 0;

			if (ev <= 1 && m->n_vms < 20)
				model_start_vm(m, rand_r(&seed) % 5 != 0);
			else if (ev == 2 && m->n_vms > 0)
				model_stop_vm(m, rand_r(&seed) % (int)m->n_vms);
			else if (ev == 3 && m->n_vms > 0)
				m->vms[rand_r(&seed) % (int)m->n_vms].opted_out ^= true;
			m->now_us += (uint64_t)(rand_r(&seed) % 3) * SEC;
			for (;;) {
				p = decide(m);
				if (plan_n_changes(p) == 0)
					break;
				assert_int_equal(model_apply(m, p), 0);
				plan_free(p);
				assert_true(++tries < 3);
				applied++;
			}
			m->mode = p->mode;
			plan_free(p);
		}
	}
	/* the sequences above do change things, often */
	assert_true(applied > 500);
	printf("random: %u plans applied\n", applied);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_threshold),
		cmocka_unit_test(test_reach_threshold),
		cmocka_unit_test(test_grow_refused_while_held),
		cmocka_unit_test(test_grow_through_zero),
		cmocka_unit_test(test_free_vf_used_without_resize),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_only_nic),
		cmocka_unit_test(test_hand_and_foreign),
		cmocka_unit_test(test_opt_out),
		cmocka_unit_test(test_fewer_vfs_per_vm),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
