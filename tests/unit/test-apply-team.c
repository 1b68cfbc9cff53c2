/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply_pair_teams(): a VM's first VF takes its failover pair's MAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/apply.h"

static void test_pair_teams(void **state)
{
	PlanVm vms[2] = { { .name = "pair", .uuid = { 1, 2, 3 } }, { .name = "solo", .uuid = { 4, 5, 6 } } };
	char *aliases[2] = { "ua-kvmnet-5254007e1001", NULL }, *macs[2] = { "52:54:00:7E:10:01", NULL };
	Observation o = { .in = { .vms = vms, .n_vms = 2 }, .vms = vms, .vm_team_aliases = aliases,
			  .vm_team_macs = macs };
	const uint8_t virtio[PLAN_MAC_LEN] = { 0x52, 0x54, 0x00, 0x7e, 0x10, 0x01 };
	uint8_t s0[PLAN_MAC_LEN], s1[PLAN_MAC_LEN], solo0[PLAN_MAC_LEN];
	PlanAction a[6] = {
		{ .type = PLAN_SET_VF_MAC, .vm = 0, .pf = 0, .vf = 0 },
		{ .type = PLAN_ATTACH, .vm = 0, .pf = 0, .vf = 0 },
		{ .type = PLAN_ATTACH, .vm = 0, .pf = 0, .vf = 1 },   /* slot 1: stays */
		{ .type = PLAN_ATTACH, .vm = 1, .pf = 0, .vf = 2 },   /* no pair */
		{ .type = PLAN_DETACH, .vm = 0, .pf = 0, .vf = 3 },   /* not a handout */
		{ .type = PLAN_WAIT, .vm = -1, .pf = -1, .vf = -1 },
	};
	Plan plan = { .actions = a, .n_actions = 6 };

	plan_vm_mac(vms[0].uuid, 0, s0);
	plan_vm_mac(vms[0].uuid, 1, s1);
	plan_vm_mac(vms[1].uuid, 0, solo0);
	memcpy(a[0].mac, s0, PLAN_MAC_LEN);
	memcpy(a[1].mac, s0, PLAN_MAC_LEN);
	memcpy(a[2].mac, s1, PLAN_MAC_LEN);
	memcpy(a[3].mac, solo0, PLAN_MAC_LEN);
	memcpy(a[4].mac, s0, PLAN_MAC_LEN);

	apply_pair_teams(&o, &plan);
	assert_memory_equal(a[0].mac, virtio, PLAN_MAC_LEN);
	assert_memory_equal(a[1].mac, virtio, PLAN_MAC_LEN);
	assert_memory_equal(a[2].mac, s1, PLAN_MAC_LEN);
	assert_memory_equal(a[3].mac, solo0, PLAN_MAC_LEN);
	assert_memory_equal(a[4].mac, s0, PLAN_MAC_LEN);

	/* A malformed MAC (never from libvirt, but) leaves the plan alone. */
	macs[0] = "52:54:00:7e:10";
	memcpy(a[1].mac, s0, PLAN_MAC_LEN);
	apply_pair_teams(&o, &plan);
	assert_memory_equal(a[1].mac, s0, PLAN_MAC_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_teams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
