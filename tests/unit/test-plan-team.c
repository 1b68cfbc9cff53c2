/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plan_decide(): a VM's first VF takes its failover pair's MAC. */
#include "plan-assert.h"

static void test_pair_teams(void **state)
{
	Model *m = model_new(1, 2, 0);
	const uint8_t virtio[PLAN_MAC_LEN] = { 0x52, 0x54, 0x00, 0x7e, 0x10, 0x01 };
	uint8_t s1[PLAN_MAC_LEN], solo0[PLAN_MAC_LEN], solo1[PLAN_MAC_LEN];
	int pair, solo;
	Plan *p;

	model_add_pf(m, 7, 0, false);
	pair = model_start_vm(m, true);
	solo = model_start_vm(m, true);
	m->vms[pair].has_team_mac = true;
	memcpy(m->vms[pair].team_mac, virtio, PLAN_MAC_LEN);
	plan_vm_mac(m->vms[pair].uuid, 1, s1);
	plan_vm_mac(m->vms[solo].uuid, 0, solo0);
	plan_vm_mac(m->vms[solo].uuid, 1, solo1);

	p = decide(m);
	for (size_t k = 0; k < p->n_actions; k++) {
		const PlanAction *a = &p->actions[k];
		unsigned slot;

		if (a->type != PLAN_SET_VF_MAC && a->type != PLAN_ATTACH)
			continue;
		/* VFs go out in VM order, lowest index first: the pair's are
		 * VF 0 (slot 0) and VF 1 (slot 1), the other VM's 2 and 3. */
		slot = (unsigned)a->vf % 2;
		if (a->vm == pair)
			assert_memory_equal(a->mac, slot == 0 ? virtio : s1, PLAN_MAC_LEN);
		else
			assert_memory_equal(a->mac, slot == 0 ? solo0 : solo1, PLAN_MAC_LEN);
	}
	converge(m);
	plan_free(p);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_teams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
