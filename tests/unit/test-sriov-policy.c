/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/sriov-policy.h"

static const SriovVfView vfs[] = {
	{ 0, "0000:01:10.0", "vfio-pci" },
	{ 1, "0000:01:10.2", NULL },
	{ 2, "0000:01:10.4", "igbvf" },
	{ 3, NULL, NULL }, /* virtfn link missing */
};
static const SriovHolder holders[] = {
	{ "0000:01:10.0", "web1" },
	{ "0000:02:10.0", "other-pf-vm" },
	{ NULL, "broken-entry" },
};

static void test_kinds(void **state)
{
	SriovPfView pf = { .totalvfs = 7, .numvfs = 0 };
	SriovPlan p;

	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, 7, false, &p), 0);
	assert_int_equal(p.kind, SRIOV_PLAN_CREATE);
	assert_false(p.refused);
	sriov_plan_done(&p);
	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, 0, false, &p), 0);
	assert_int_equal(p.kind, SRIOV_PLAN_NOTHING);
	sriov_plan_done(&p);
	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, 8, true, &p), -EINVAL);
	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, -1, true, &p), -EINVAL);
	pf.numvfs = -1;
	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, 1, false, &p), -ENODATA);
	/* totalvfs unknown: no upper bound from us, the kernel will say. */
	pf = (SriovPfView){ .totalvfs = -1, .numvfs = 0 };
	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, 64, false, &p), 0);
	sriov_plan_done(&p);
	assert_string_equal(sriov_plan_kind_to_string(SRIOV_PLAN_RECREATE), "recreate");
}

static void test_blockers(void **state)
{
	SriovPfView pf = { .totalvfs = 7, .numvfs = 4, .vfs = vfs, .n_vfs = 4 };
	SriovPlan p;

	assert_int_equal(sriov_plan_numvfs(&pf, holders, 3, 2, false, &p), 0);
	assert_int_equal(p.kind, SRIOV_PLAN_RECREATE);
	assert_true(p.refused);
	assert_int_equal(p.n_blockers, 2);
	assert_int_equal(p.blockers[0].reason, SRIOV_BLOCK_VM);
	assert_string_equal(p.blockers[0].holder, "web1");
	assert_int_equal(p.blockers[1].vf_index, 2);
	assert_int_equal(p.blockers[1].reason, SRIOV_BLOCK_DRIVER);
	assert_string_equal(p.blockers[1].holder, "igbvf");
	sriov_plan_done(&p);
	/* Destroying is the same; growing from 0 and keeping are never blocked. */
	assert_int_equal(sriov_plan_numvfs(&pf, holders, 3, 0, false, &p), 0);
	assert_int_equal(p.kind, SRIOV_PLAN_DESTROY);
	assert_true(p.refused);
	sriov_plan_done(&p);
	assert_int_equal(sriov_plan_numvfs(&pf, holders, 3, 4, false, &p), 0);
	assert_false(p.refused);
	assert_int_equal(p.n_blockers, 0);
	sriov_plan_done(&p);
	/* force: not refused, blockers still listed to say what breaks. */
	assert_int_equal(sriov_plan_numvfs(&pf, holders, 3, 0, true, &p), 0);
	assert_false(p.refused);
	assert_int_equal(p.n_blockers, 2);
	sriov_plan_done(&p);
	/* Nothing in use: free to go. */
	pf.n_vfs = 2;
	pf.vfs = vfs;
	assert_int_equal(sriov_plan_numvfs(&pf, NULL, 0, 1, false, &p), 0);
	assert_false(p.refused);
	sriov_plan_done(&p);
	sriov_plan_done(NULL);
}

static void test_rebind(void **state)
{
	const char *h = NULL;

	assert_int_equal(sriov_check_rebind("0000:01:10.0", holders, 3, &h), -EBUSY);
	assert_string_equal(h, "web1");
	assert_int_equal(sriov_check_rebind("0000:01:10.2", holders, 3, &h), 0);
	assert_int_equal(sriov_check_rebind(NULL, holders, 3, &h), 0);
	assert_int_equal(sriov_check_rebind("0000:01:10.0", NULL, 0, &h), 0);
	assert_true(sriov_driver_is_free(NULL));
	assert_true(sriov_driver_is_free(""));
	assert_true(sriov_driver_is_free("vfio-pci"));
	assert_false(sriov_driver_is_free("igbvf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_blockers),
		cmocka_unit_test(test_rebind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
