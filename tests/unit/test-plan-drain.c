/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plan_decide() with resize = drain (plan.h D1-D3): a PF whose VFs are all
 * held by teamed VMs grows by detaching them, going through 0 and giving
 * them back; anything else keeps it as it is, and says why. */
#include "basic/macro.h"
#include "plan-assert.h"

/* One PF of 7, split by kvmnetd to 2 VFs, each held by a teamed VM (their
 * pair's MAC is the VF's), and a third VM that wants a VF. */
static Model *two_teamed_and_one(bool drain)
{
	Model *m = model_new(1, 1, 0);

	m->params.resize_drain = drain;
	model_add_pf(m, 7, 2, true);
	for (int v = 0; v < 2; v++) {
		PlanVf *vf = model_vf(m, 0, v);

		model_start_vm(m, true);
		vf->driver = PLAN_DRIVER_VFIO;
		vf->use = PLAN_VF_OURS;
		vf->vm = v;
		vf->teamed = true;
	}
	model_start_vm(m, true);
	m->mode.active = true;
	return m;
}

static char *drain_line(Model *m, const Plan *p)
{
	PlanInput in = model_input(m);
	char *s = NULL;

	assert_int_equal(plan_drain_format(&in, p, 0, &s), 0);
	return s;
}

/* The pair waits for a member again: the next VF takes its MAC. */
static void pair_waits(Model *m, int vm)
{
	m->vms[vm].has_team_mac = true;
	memset(m->vms[vm].team_mac, 0x52 + vm, PLAN_MAC_LEN);
	m->vms[vm].team_mac[0] = 0x52;
}

static void test_drain_grows(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);
	_cleanup_free_ char *line = NULL;
	Plan *p = decide(m);

	/* turn 1: detach both teamed VFs, give nothing of the PF */
	assert_actions(p, "detach:0:0:0 detach:0:1:1 wait:draining:0:-1 wait:draining:0:2");
	assert_true(p->pf_drain[0].draining);
	assert_int_equal(p->pf_drain[0].numvfs, 3);
	assert_int_equal(p->pf_drain[0].n_detach, 2);
	assert_int_equal(p->vms[0].path, PLAN_PATH_VF_PENDING);
	assert_int_equal(p->vms[0].wait, PLAN_WAIT_DRAINING);
	assert_int_equal(p->vms[2].wait, PLAN_WAIT_DRAINING);
	assert_int_equal(p->pf_target[0], 2);
	line = drain_line(m, p);
	assert_string_equal(line, "draining PF for 3 VFs (2 teamed VF(s) detached; numvfs through 0 once released)");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	pair_waits(m, 0);
	pair_waits(m, 1);

	/* turn 2: released; through 0 to 3, every VM gets its VF, the pairs
	 * their own MAC */
	p = decide(m);
	assert_actions(p, "numvfs:0=0 numvfs:0=3 bind-vfio:0:0:-1 bind-vfio:0:1:-1 bind-vfio:0:2:-1 "
			  "set-mac:0:0:0 attach:0:0:0 set-mac:0:1:1 attach:0:1:1 set-mac:0:2:2 attach:0:2:2");
	assert_memory_equal(p->actions[6].mac, m->vms[0].team_mac, PLAN_MAC_LEN);
	assert_memory_equal(p->actions[8].mac, m->vms[1].team_mac, PLAN_MAC_LEN);
	assert_false(p->pf_drain[0].draining);
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	converge(m);
}

static void test_never_by_default(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(false);
	_cleanup_free_ char *line = NULL;
	_cleanup_plan_free_ Plan *p = decide(m);

	assert_actions(p, "wait:pf-busy:0:2");
	assert_int_equal(p->pf_drain[0].why, PLAN_DRAIN_NEVER);
	line = drain_line(m, p);
	assert_null(line);
}

/* One check per D2 refusal: the PF stays, VM 2 waits pf-busy, and the
 * plan names the VF and the VM. */
static void refused(Model *m, PlanDrainWhy why, int vf, int vm, const char *text)
{
	_cleanup_plan_free_ Plan *p = decide(m);
	_cleanup_free_ char *line = NULL, *wait = NULL;
	PlanInput in = model_input(m);

	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->vms[2].wait, PLAN_WAIT_PF_BUSY);
	assert_false(p->pf_drain[0].draining);
	assert_int_equal(p->pf_drain[0].why, why);
	assert_int_equal(p->pf_drain[0].vf, vf);
	assert_int_equal(p->pf_drain[0].vm, vm);
	line = drain_line(m, p);
	assert_string_equal(line, text);
	/* the log's wait line says it too */
	for (size_t k = 0; k < p->n_actions; k++)
		if (p->actions[k].type == PLAN_WAIT && p->actions[k].vm == 2)
			assert_int_equal(plan_action_format(&in, p, &p->actions[k], &wait), 0);
	assert_non_null(wait);
	assert_non_null(strstr(wait, text));
}

static void test_refused_unteamed(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);

	model_vf(m, 0, 1)->teamed = false;
	refused(m, PLAN_DRAIN_UNTEAMED, 1, 1, "pf-busy: VF 1 held by unteamed vm2");
}

static void test_refused_not_given(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);

	/* held by hand: VM 1 counts in M1 but takes none, VM 2 still short
	 * once the pf is full (3 VMs, 2 VFs) */
	model_vf(m, 0, 1)->use = PLAN_VF_FOREIGN;
	m->vms[2].has_other_nic = true;
	model_start_vm(m, true);
	{
		_cleanup_plan_free_ Plan *p = decide(m);

		assert_int_equal(plan_n_changes(p), 0);
		assert_int_equal(p->pf_drain[0].why, PLAN_DRAIN_NOT_GIVEN);
		assert_int_equal(p->pf_drain[0].vf, 1);
	}
	/* and held by a domain the daemon does not list */
	model_vf(m, 0, 1)->vm = -1;
	{
		_cleanup_plan_free_ Plan *p = decide(m);
		_cleanup_free_ char *line = drain_line(m, p);

		assert_int_equal(plan_n_changes(p), 0);
		assert_string_equal(line, "pf-busy: VF 1 held by a domain kvmnetd did not give it to");
	}
}

static void test_refused_unknown(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);
	int u = model_start_vm(m, true);

	/* U1: a VM anywhere whose holdings are unknown */
	m->vms[u].unknown = PLAN_UNKNOWN_DEFINITION;
	refused(m, PLAN_DRAIN_UNKNOWN, -1, u, "pf-busy: VM vm4 is unknown and may hold one of its VFs");
	m->vms[u].unknown = PLAN_KNOWN;
	m->n_vms--;
	/* U3: a VF whose driver is unknown */
	model_vf(m, 0, 1)->driver = PLAN_DRIVER_UNKNOWN;
	refused(m, PLAN_DRAIN_UNKNOWN, 1, 1, "pf-busy: VF 1 is unknown");
}

static void test_refused_migrating_and_driver(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);

	m->vms[0].migrating = true;
	{
		_cleanup_plan_free_ Plan *p = decide(m);

		assert_actions(p, "wait:migrating:-1:0 wait:pf-busy:0:2");
		assert_int_equal(p->pf_drain[0].why, PLAN_DRAIN_MIGRATING);
		assert_int_equal(p->pf_drain[0].vf, 0);
	}
	m->vms[0].migrating = false;
	model_vf(m, 0, 1)->driver = PLAN_DRIVER_OTHER;
	model_vf(m, 0, 1)->use = PLAN_VF_FREE;
	model_vf(m, 0, 1)->vm = -1;
	refused(m, PLAN_DRAIN_HOST_DRIVER, 1, -1, "pf-busy: VF 1 bound to a host driver");
}

static void test_refused_numvfs(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);

	m->pfs[0].numvfs_hold = true; /* K1 */
	{
		_cleanup_plan_free_ Plan *p = decide(m);

		assert_int_equal(plan_n_changes(p), 0);
		assert_false(p->pf_drain[0].draining);
	}
	m->pfs[0].numvfs_hold = false;
	m->pfs[0].numvfs_refused = 3; /* K2: 3 or more refused, 2 is all */
	{
		_cleanup_plan_free_ Plan *p = decide(m);

		assert_int_equal(plan_n_changes(p), 0);
		assert_int_equal(p->pf_drain[0].why, PLAN_DRAIN_NUMVFS);
	}
}

/* Not short: another PF may grow, so nothing is drained. */
static void test_no_drain_when_other_pf_grows(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);
	_cleanup_plan_free_ Plan *p = NULL;

	model_add_pf(m, 7, 0, true);
	p = decide(m);
	assert_false(p->pf_drain[0].draining);
	for (size_t k = 0; k < p->n_actions; k++)
		assert_int_not_equal(p->actions[k].type, PLAN_DETACH);
	converge(m);
}

/* D3: killed half way, the next observation carries on. */
static void test_drain_resumes(void **state)
{
	_cleanup_free_ Model *m = two_teamed_and_one(true);
	PlanVf *vf0 = model_vf(m, 0, 0);
	Plan *p;

	/* one guest released its VF, the other not yet (or the daemon died
	 * between the two detaches): only the held one is asked again, the
	 * free one is not given back */
	vf0->use = PLAN_VF_FREE;
	vf0->vm = -1;
	vf0->teamed = false;
	pair_waits(m, 0);
	p = decide(m);
	assert_actions(p, "detach:0:1:1 wait:draining:0:-1 wait:draining:0:0 wait:draining:0:2");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	pair_waits(m, 1);
	/* killed after numvfs 0, before the new count */
	m->pfs[0].numvfs = 0;
	m->pfs[0].n_vfs = 0;
	p = decide(m);
	assert_actions(p, "numvfs:0=3 bind-vfio:0:0:-1 bind-vfio:0:1:-1 bind-vfio:0:2:-1 "
			  "set-mac:0:0:0 attach:0:0:0 set-mac:0:1:1 attach:0:1:1 set-mac:0:2:2 attach:0:2:2");
	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	converge(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_grows),
		cmocka_unit_test(test_never_by_default),
		cmocka_unit_test(test_refused_unteamed),
		cmocka_unit_test(test_refused_not_given),
		cmocka_unit_test(test_refused_unknown),
		cmocka_unit_test(test_refused_migrating_and_driver),
		cmocka_unit_test(test_refused_numvfs),
		cmocka_unit_test(test_no_drain_when_other_pf_grows),
		cmocka_unit_test(test_drain_resumes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
