/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-VM VF policy in the core (plan.h P1, P2): the policy travels with
 * the handout, a refused policy makes its VM wait keeping what it holds,
 * and the held VFs that drifted from their policy are re-applied. */
#include "core/vf-policy.h"
#include "plan-assert.h"

static const VfConfig tenant = { .mask = VF_ATTR_BIT(VF_ATTR_VLAN) | VF_ATTR_BIT(VF_ATTR_SPOOFCHK) |
					 VF_ATTR_BIT(VF_ATTR_MAX_RATE),
				 .vlan = 100, .qos = 2, .spoofchk = false, .max_rate = 500 };

static void test_given_carries_policy(void **state)
{
	Model *m = model_new(1, 1, 0);
	int a, b;
	Plan *p;
	unsigned seen = 0;

	model_add_pf(m, 7, 0, false);
	a = model_start_vm(m, true);
	b = model_start_vm(m, true);
	m->vms[a].vf_policy = tenant;
	p = decide(m);
	for (size_t k = 0; k < p->n_actions; k++) {
		const PlanAction *x = &p->actions[k];

		if (x->type != PLAN_SET_VF_MAC && x->type != PLAN_ATTACH)
			continue;
		seen++;
		/* VLAN and rates always: a VF never keeps an earlier
		 * holder's; the rest only as the policy says. */
		assert_true(x->policy.mask & VF_ATTR_BIT(VF_ATTR_VLAN));
		assert_true(x->policy.mask & VF_ATTR_BIT(VF_ATTR_MAX_RATE));
		assert_true(x->policy.mask & VF_ATTR_BIT(VF_ATTR_MIN_RATE));
		assert_false(x->policy.mask & VF_ATTR_BIT(VF_ATTR_MAC));
		if (x->vm == a) {
			assert_int_equal(x->policy.vlan, 100);
			assert_int_equal(x->policy.qos, 2);
			assert_true(x->policy.mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK));
			assert_false(x->policy.spoofchk);
			assert_int_equal(x->policy.max_rate, 500);
			assert_int_equal(x->policy.min_rate, 0);
		} else {
			assert_int_equal(x->vm, b);
			assert_int_equal(x->policy.vlan, 0);
			assert_int_equal(x->policy.max_rate, 0);
			assert_false(x->policy.mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK));
			assert_false(x->policy.mask & VF_ATTR_BIT(VF_ATTR_TRUST));
		}
	}
	assert_int_equal(seen, 4);
	plan_free(p);
	free(m);
}

static void test_refused_waits_and_keeps(void **state)
{
	Model *m = model_new(1, 1, 0);
	int a, b;
	Plan *p;

	model_add_pf(m, 7, 7, true);
	for (int i = 0; i < 7; i++)
		model_vf(m, 0, i)->driver = PLAN_DRIVER_VFIO;
	m->mode.active = true;
	a = model_start_vm(m, true);
	b = model_start_vm(m, true);
	m->vms[a].vf_policy = tenant;
	m->vms[a].vf_policy_refused = true;
	p = decide(m);
	/* a gets nothing and says why; b is served as ever */
	assert_actions(p, "wait:vf-policy:-1:0 set-mac:0:0:1 attach:0:0:1");
	assert_int_equal(b, 1);
	assert_int_equal(p->vms[a].wait, PLAN_WAIT_VF_POLICY);
	assert_int_equal(p->vms[a].path, PLAN_PATH_VIRTIO);
	assert_int_equal(p->vms[a].n_vfs, 0);
	plan_free(p);

	/* A VM that holds a VF and whose new policy is refused keeps it. */
	m->vms[a].vf_policy_refused = false;
	converge(m);
	assert_int_equal(model_vfs_of(m, a), 1);
	m->vms[a].vf_policy_refused = true;
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_int_equal(p->vms[a].n_vfs, 1);
	assert_int_equal(p->vms[a].path, PLAN_PATH_VF);
	plan_free(p);
	free(m);
}

/* One VM holding VF 0 of PF 0 with the tenant policy. */
static Model *held(int *ret_vm)
{
	Model *m = model_new(1, 1, 0);
	int a;

	model_add_pf(m, 7, 0, false);
	a = model_start_vm(m, true);
	m->vms[a].vf_policy = tenant;
	converge(m);
	assert_int_equal(model_vfs_of(m, a), 1);
	*ret_vm = a;
	return m;
}

static size_t reapplies(Model *m, const VfConfig *live, size_t n_live, VfReapply **ret)
{
	PlanInput in = model_input(m);
	const VfConfig *per_pf[1] = { live };
	size_t n = 0;

	*ret = NULL;
	assert_int_equal(vf_policy_reapplies(&in, per_pf, &n_live, ret, &n), 0);
	return n;
}

static void test_reapply_on_drift(void **state)
{
	int a;
	Model *m = held(&a);
	PlanVf *vf = model_vf(m, 0, 0);
	VfConfig live[2] = {
		{ .index = 0, .mask = VF_ATTR_ALL, .vlan = 100, .qos = 2, .spoofchk = false, .max_rate = 500 },
		{ .index = 1, .mask = VF_ATTR_ALL, .spoofchk = true },
	};
	VfReapply *r = NULL;

	assert_int_equal(vf->vm, a);
	assert_int_equal(vf->use, PLAN_VF_OURS);
	/* as wanted: nothing; unrelated attributes (trust) do not count */
	live[0].trust = true;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	/* a PF driver reset cleared it */
	live[0] = (VfConfig){ .index = 0, .mask = VF_ATTR_ALL, .spoofchk = true };
	assert_int_equal(reapplies(m, live, 2, &r), 1);
	assert_int_equal(r[0].vm, a);
	assert_int_equal(r[0].pf, 0);
	assert_int_equal(r[0].vf, 0);
	assert_int_equal(r[0].want.index, 0);
	assert_int_equal(r[0].want.mask, tenant.mask);
	assert_int_equal(r[0].want.vlan, 100);
	free(r);
	/* never for a VM unknown, migrating, opted out or refused, nor for a
	 * VF not read, unknown or not ours */
	m->vms[a].unknown = PLAN_UNKNOWN_METADATA;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	m->vms[a].unknown = PLAN_KNOWN;
	m->vms[a].migrating = true;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	m->vms[a].migrating = false;
	m->vms[a].vf_policy_refused = true;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	m->vms[a].vf_policy_refused = false;
	assert_int_equal(reapplies(m, NULL, 0, &r), 0);
	assert_int_equal(reapplies(m, live + 1, 1, &r), 0);
	vf->use = PLAN_VF_UNKNOWN;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	vf->use = PLAN_VF_FOREIGN;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	vf->use = PLAN_VF_OURS;
	m->vms[a].vf_policy.mask = 0;
	assert_int_equal(reapplies(m, live, 2, &r), 0);
	m->vms[a].vf_policy = tenant;
	assert_int_equal(reapplies(m, live, 2, &r), 1);
	free(r);
	free(m);
}

/* A refusal is tried again after 2 s, doubling, at most 60 s: never every
 * turn, never given up (igb refuses max-rate while its link is down). */
static void test_retry_delay(void **state)
{
	assert_int_equal(vf_policy_retry_delay_us(0), 2 * SEC);
	assert_int_equal(vf_policy_retry_delay_us(1), 2 * SEC);
	assert_int_equal(vf_policy_retry_delay_us(2), 4 * SEC);
	assert_int_equal(vf_policy_retry_delay_us(5), 32 * SEC);
	assert_int_equal(vf_policy_retry_delay_us(6), 60 * SEC);
	assert_int_equal(vf_policy_retry_delay_us(UINT_MAX), 60 * SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_given_carries_policy),
		cmocka_unit_test(test_refused_waits_and_keeps),
		cmocka_unit_test(test_reapply_on_drift),
		cmocka_unit_test(test_retry_delay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
