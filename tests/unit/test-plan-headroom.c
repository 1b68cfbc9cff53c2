/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The decision core's [sriov] headroom: spare VFs made when VFs are made. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "plan-assert.h"

static Model *headroom_model(unsigned n_pfs, unsigned totalvfs, unsigned headroom, unsigned vms)
{
	Model *m = model_new(2, 1, 30 * SEC);

	m->params.headroom = headroom;
	for (unsigned p = 0; p < n_pfs; p++)
		model_add_pf(m, totalvfs, 0, false);
	for (unsigned i = 0; i < vms; i++)
		model_start_vm(m, true);
	return m;
}

static void test_headroom_at_split_start(void **state)
{
	_cleanup_free_ Model *m = headroom_model(2, 7, 2, 2);
	Plan *p = decide(m);

	/* N1 2 + 2 spare, spread; the VMs' VFs are bound first, the spares
	 * after the attaches */
	assert_int_equal(p->n1, 2);
	assert_int_equal(p->pf_target[0], 2);
	assert_int_equal(p->pf_target[1], 2);
	assert_actions(p, "numvfs:0=2 numvfs:1=2 bind-vfio:0:0:-1 bind-vfio:1:0:-1 "
			  "set-mac:0:0:0 attach:0:0:0 set-mac:1:0:1 attach:1:0:1 bind-vfio:0:1:-1 bind-vfio:1:1:-1");
	assert_int_equal(p->spare, 2);
	assert_int_equal(p->pf_spare[0], 1);
	assert_int_equal(p->pf_spare[1], 1);
	plan_free(p);
	converge(m);

	/* max: every PF the split starts on gets its sriov_totalvfs */
	free(m);
	m = headroom_model(2, 7, PLAN_HEADROOM_MAX, 2);
	p = decide(m);
	assert_int_equal(p->n1, 2);
	assert_int_equal(p->pf_target[0], 7);
	assert_int_equal(p->pf_target[1], 7);
	assert_int_equal(p->spare, 12);
	/* 2 resizes, 2 binds, 2 x (MAC, attach), then the 12 spares' binds */
	assert_int_equal(p->n_actions, 2 + 2 + 4 + 12);
	assert_int_equal(p->actions[4].type, PLAN_SET_VF_MAC);
	assert_int_equal(p->actions[p->n_actions - 1].type, PLAN_BIND_VFIO);
	plan_free(p);
	converge(m);
}

/* One PF, headroom 2: the split starts at 4 VFs for 2 VMs; the next two VMs
 * take the spares with no numvfs change; the fifth finds none and, as the
 * PF's VFs are held, waits on virtio instead of a through-0 resize. */
static void test_headroom_vm_arrives(void **state)
{
	_cleanup_free_ Model *m = headroom_model(1, 7, 2, 2);
	Plan *p;

	converge(m);
	assert_int_equal(m->pfs[0].numvfs, 4);
	for (int i = 2; i < 4; i++) {
		model_start_vm(m, true);
		p = decide(m);
		assert_int_equal(p->pf_target[0], 4);
		assert_int_equal(p->spare, (unsigned)(3 - i));
		/* the VF was bound with the split: only MAC and attach */
		assert_int_equal(plan_n_changes(p), 2);
		assert_int_equal(p->actions[1].type, PLAN_ATTACH);
		assert_int_equal(p->actions[1].vm, i);
		assert_int_equal(p->actions[1].vf, i);
		assert_int_equal(model_apply(m, p), 0);
		plan_free(p);
	}
	model_start_vm(m, true);
	p = decide(m);
	assert_actions(p, "wait:pf-busy:0:4");
	assert_int_equal(p->spare, 0);
	plan_free(p);

	/* without headroom the third VM already waits */
	free(m);
	m = headroom_model(1, 7, 0, 2);
	converge(m);
	assert_int_equal(m->pfs[0].numvfs, 2);
	model_start_vm(m, true);
	p = decide(m);
	assert_actions(p, "wait:pf-busy:0:2");
	plan_free(p);
}

/* Headroom is capped like N1: by each PF's sriov_totalvfs; free VFs of a PF
 * someone else split count as spares, and vfs_per_vm scales N1, not the
 * spares. */
static void test_headroom_caps(void **state)
{
	_cleanup_free_ Model *m = model_new(2, 2, 0);
	Plan *p;

	m->params.headroom = 100;
	model_add_pf(m, 3, 0, false);
	model_add_pf(m, 4, 0, false);
	model_start_vm(m, true);
	model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(p->n1, 4);
	assert_int_equal(p->pf_target[0], 3);
	assert_int_equal(p->pf_target[1], 4);
	assert_int_equal(p->spare, 3);
	plan_free(p);
	converge(m);
	free(m);

	/* pf0 split by hand, 3 free VFs on vfio-pci; pf1 ours; headroom 2 */
	m = model_new(2, 1, 0);
	m->params.headroom = 2;
	model_add_pf(m, 4, 3, false);
	model_add_pf(m, 7, 0, false);
	for (int i = 0; i < 3; i++)
		m->vfs[0][i].driver = PLAN_DRIVER_VFIO;
	for (int i = 0; i < 4; i++)
		model_start_vm(m, true);
	p = decide(m);
	/* 4 wanted + 2 spare = 6, pf0 serves 3: pf1 gets 3, pf0 untouched */
	assert_int_equal(p->pf_target[0], 3);
	assert_int_equal(p->pf_target[1], 3);
	assert_int_equal(p->spare, 2);
	plan_free(p);
	converge(m);
	/* the hand split's numvfs never changes, whatever the headroom */
	assert_int_equal(m->pfs[0].numvfs, 3);
	assert_false(m->pfs[0].numvfs_ours);
}

/* Nothing shrinks while the split is active: VMs that stop leave spares,
 * a lower headroom (SIGHUP) removes none; through 0 never happens while a
 * VM holds a VF; the split ends after min_dwell as without headroom, and a
 * VM that still holds its only NIC keeps the PF split. */
static void test_headroom_shrink(void **state)
{
	_cleanup_free_ Model *m = headroom_model(1, 7, PLAN_HEADROOM_MAX, 4);
	Plan *p;

	m->params.threshold = 3;
	converge(m);
	assert_int_equal(m->pfs[0].numvfs, 7);
	model_stop_vm(m, 3);
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->pf_target[0], 7);
	assert_int_equal(p->spare, 4);
	plan_free(p);
	m->params.headroom = 0;
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->pf_target[0], 7);
	plan_free(p);

	/* below the threshold: the spares do not keep the split alive */
	m->vms[0].has_other_nic = false;
	model_stop_vm(m, 2);
	m->now_us = 100 * SEC;
	p = decide(m);
	assert_actions(p, "wait:dwell:-1:-1");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	m->now_us = 130 * SEC;
	p = decide(m);
	assert_false(p->mode.active);
	assert_int_equal(p->spare, 0);
	/* vm1 goes; vm0's VF is its only NIC: it stays, so pf0 stays at 7 */
	assert_actions(p, "wait:only-nic:0:0 detach:0:1:1 wait:pf-held:0:-1");
	assert_int_equal(p->pf_target[0], 7);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	converge(m);
	assert_int_equal(m->pfs[0].numvfs, 7);

	/* once it stops, the split ends */
	model_stop_vm(m, 0);
	p = decide(m);
	assert_actions(p, "numvfs:0=0");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
}

/* With min_dwell: a VM that starts within the dwell takes a spare (no
 * resize) and, back at the threshold, cancels the end of the split. */
static void test_headroom_dwell(void **state)
{
	_cleanup_free_ Model *m = headroom_model(2, 7, PLAN_HEADROOM_MAX, 2);
	Plan *p;

	converge(m);
	model_stop_vm(m, 0);
	m->now_us = 100 * SEC;
	p = decide(m);
	assert_true(p->mode.active);
	assert_int_equal(p->wakeup_us, 130 * SEC);
	assert_int_equal(p->spare, 13);
	assert_actions(p, "wait:dwell:-1:-1");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);

	m->now_us = 120 * SEC;
	model_start_vm(m, true);
	p = decide(m);
	assert_int_equal(p->wakeup_us, 0);
	assert_int_equal(p->mode.below_since_us, 0);
	/* pf0 has 7 free VFs (its VM left), pf1 6: pf0, VF 0 */
	assert_actions(p, "set-mac:0:0:1 attach:0:0:1");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);

	/* both stop; after min_dwell both PFs go back to 0 */
	model_stop_vm(m, 1);
	model_stop_vm(m, 0);
	m->now_us = 200 * SEC;
	p = decide(m);
	assert_actions(p, "wait:dwell:-1:-1");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	m->now_us = 230 * SEC;
	p = decide(m);
	assert_actions(p, "numvfs:0=0 numvfs:1=0");
	plan_free(p);
}

static void test_summary(void **state)
{
	_cleanup_free_ Model *m = headroom_model(2, 7, PLAN_HEADROOM_MAX, 1);
	_cleanup_free_ char *a = NULL, *b = NULL;
	PlanInput in = model_input(m);
	Plan *p = decide(m);

	assert_int_equal(plan_summary_format(&in, p, &a), 0);
	assert_string_equal(a, "no split: M1 1 (threshold 2)");
	plan_free(p);
	model_start_vm(m, true);
	m->params.headroom = 3;
	in = model_input(m);
	p = decide(m);
	assert_int_equal(plan_summary_format(&in, p, &b), 0);
	assert_string_equal(b, "split active: M1 2 (threshold 2), N1 2 VF(s), 3 spare (headroom 3)");
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headroom_at_split_start),
		cmocka_unit_test(test_headroom_vm_arrives),
		cmocka_unit_test(test_headroom_caps),
		cmocka_unit_test(test_headroom_shrink),
		cmocka_unit_test(test_headroom_dwell),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
