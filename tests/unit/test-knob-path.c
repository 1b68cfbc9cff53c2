/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * knob_path_check(): which saved paths kvmnet writes originals back to.
 * Every key a state file or journal could hold that is not one of its
 * own knobs, or that leaves its tree through a symlink, is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/path-util.h"
#include "host/knob-path.h"
#include "../lib/tmp-root.h"

#define CG "/sys/fs/cgroup/machine.slice/vm1.scope/"

static void test_canonical(void **state)
{
	static const char *const good[] = { "/", "/a", "/sys/block/vda/queue/scheduler", "/a/..b/c.", "/.x" };
	static const char *const bad[] = { "", "a/b", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/..", "/.",
					   "/a/b/..", "/a b", "/a\tb", "/a\nb" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!path_is_canonical(good[i]))
			fail_msg("refused: %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (path_is_canonical(bad[i]))
			fail_msg("accepted: '%s'", bad[i]);
}

static const char *const knobs[] = {
	"/proc/sys/kernel/sched_latency_ns",
	"/sys/kernel/debug/sched/min_granularity_ns",
	"/sys/kernel/debug/sched/base_slice_ns",
	"/sys/block/vda/queue/scheduler",
	CG "memory.max",
	CG "memory.high",
	CG "io.max 8:0",
	"/sys/fs/cgroup/memory/machine/vm1/memory.limit_in_bytes",
	"/sys/fs/cgroup/memory/machine/vm1/memory.memsw.limit_in_bytes",
	"/sys/fs/cgroup/blkio/machine/vm1/blkio.throttle.read_bps_device 254:16",
	"/proc/irq/42/smp_affinity_list",
	"/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs",
	"/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe",
	"/sys/bus/pci/devices/0000:01:10.0/driver_override",
};

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"/etc/shadow",
		"/sys/kernel/debug/sched/../../../../etc/shadow",
		"/sys/block/vda/queue/../../../../etc/shadow",
		"/sys/block/../../etc/queue/scheduler",
		"/sys/block//vda/queue/scheduler",
		"/sys/block/./vda/queue/scheduler",
		"sys/block/vda/queue/scheduler",
		"/sys/block/vda/queue/scheduler/",
		"/sys/block/vda/x/queue/scheduler",
		"/sys/block/vda/queue/nr_requests",
		"/proc/sys/kernel/sched_child_runs_first",
		"/proc/sys/kernel/core_pattern",
		"/sys/kernel/debug/sched/verbose",
		CG "cpu.max",
		CG "cgroup.procs",
		CG "io.max",
		CG "memory.max 8:0",
		CG "io.max 8:0 x",
		CG "io.max 8",
		CG "io.max a:b",
		"/sys/fs/cgroup/memory.max",
		"/sys/fs/cgroup/memory/machine/vm1/memory.max",
		"/sys/fs/cgroup/blkio/machine/vm1/io.max 8:0",
		"/proc/irq/x/smp_affinity_list",
		"/proc/irq/42/../42/smp_affinity_list",
		"/proc/irq/smp_affinity_list",
		"/proc/irq/42/smp_affinity",
		"/sys/bus/pci/devices/01:00.0/sriov_numvfs",
		"/sys/bus/pci/devices/0000:01:00.0/remove",
		"/sys/bus/pci/devices/0000:01:00.0/net/eth0/mtu",
		"/sys/bus/pci/drivers/igb/unbind",
		"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		int r = knob_path_check(bad[i], &why);

		if (r != -EINVAL || !why)
			fail_msg("'%s': %d, expected -EINVAL", bad[i], r);
	}
}

static void test_allowed_and_resolved(void **state)
{
	char root[TMP_ROOT_MAX], link[256];

	assert_int_equal(tmp_root_new(root, "knobpath"), 0);
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		char rel[256];
		const char *why = NULL;

		snprintf(rel, sizeof(rel), "%s", knobs[i]);
		*strchrnul(rel, ' ') = 0;
		/* Gone: for the caller to forget, not a refusal. */
		assert_int_equal(knob_path_check(knobs[i], &why), -ENOENT);
		assert_int_equal(tmp_root_put(root, rel, "x"), 0);
		int r = knob_path_check(knobs[i], &why);

		if (r != 0)
			fail_msg("%s: refused: %d (%s)", knobs[i], r, why ? why : "?");
	}
	/* /sys/block/DEV is a symlink into /sys/devices on every kernel. */
	assert_int_equal(tmp_root_put(root, "/sys/devices/virtual/block/dm-0/queue/scheduler", "x"), 0);
	snprintf(link, sizeof(link), "%s/sys/block/dm-0", root);
	assert_int_equal(symlink("../devices/virtual/block/dm-0", link), 0);
	{
		const char *why = NULL;

		assert_int_equal(knob_path_check("/sys/block/dm-0/queue/scheduler", &why), 0);
	}
	/* A crafted tree: the device link leads out of /sys, or the file
	 * itself is a link to another one. */
	assert_int_equal(tmp_root_put(root, "/etc/queue/scheduler", "secret"), 0);
	snprintf(link, sizeof(link), "%s/sys/block/evil", root);
	assert_int_equal(symlink("../../etc", link), 0);
	snprintf(link, sizeof(link), "%s/sys/kernel/debug/sched/latency_ns", root);
	assert_int_equal(tmp_root_put(root, "/sys/kernel/debug/sched/verbose", "x"), 0);
	assert_int_equal(symlink("verbose", link), 0);
	{
		const char *why = NULL;

		assert_int_equal(knob_path_check("/sys/block/evil/queue/scheduler", &why), -EXDEV);
		assert_non_null(why);
		why = NULL;
		assert_int_equal(knob_path_check("/sys/kernel/debug/sched/latency_ns", &why), -EXDEV);
		assert_non_null(why);
	}
	assert_int_equal(tmp_root_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_allowed_and_resolved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
