/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SR-IOV engine on a fake igb tree (tests/fixtures/sriov-igb) with the
 * kernel's side played by fake-kernel.c: creation, the refusal rules,
 * idempotency (no write, no changed inode), the kernel's errors and
 * writes that fail halfway, binding and its timeout.
 */

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/strv.h"
#include "fake-kernel.h"
#include "act/sriov.h"

#define PF "0000:01:00.0"
#define PFDIR "/sys/bus/pci/devices/" PF

static FakeKernel K;
static const SriovOptions opts = { .timeout_ms = 200 };

static int setup(void **state)
{
	return fake_kernel_setup(&K, "sriov-igb");
}

static int teardown(void **state)
{
	fake_kernel_teardown(&K);
	return 0;
}

static struct timespec newest;

static int note_newest(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	if (st->st_ctim.tv_sec > newest.tv_sec ||
	    (st->st_ctim.tv_sec == newest.tv_sec && st->st_ctim.tv_nsec > newest.tv_nsec))
		newest = st->st_ctim;
	return 0;
}

/* The latest inode change anywhere in the tree: writes, links, mkdirs. */
static struct timespec tree_ctime(void)
{
	newest = (struct timespec){};
	nftw(K.root, note_newest, 16, FTW_PHYS);
	return newest;
}

static void set_count(int n)
{
	SriovReport rep = {};

	assert_int_equal(sriov_set_numvfs(PF, n, NULL, 0, &opts, NULL, &rep), 0);
	sriov_report_done(&rep);
}

static void test_create(void **state)
{
	SriovReport rep = {};
	SriovPlan plan = {};

	assert_int_equal(sriov_set_numvfs(PF, 4, NULL, 0, &opts, &plan, &rep), 0);
	assert_int_equal(plan.kind, SRIOV_PLAN_CREATE);
	assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "4");
	assert_string_equal(fake_read(&K, PFDIR "/sriov_drivers_autoprobe"), "0");
	/* Autoprobe went off before creation, so no VF has a driver. */
	assert_int_equal(access(fake_path(&K, "/sys/bus/pci/devices/0000:01:10.0/driver"), F_OK), -1);
	assert_int_equal(access(fake_path(&K, PFDIR "/virtfn3"), F_OK), 0);
	assert_int_equal(access(fake_path(&K, PFDIR "/virtfn4"), F_OK), -1);
	assert_int_equal(strv_length(rep.done), 2);
	assert_string_equal(rep.done[0], "sriov_drivers_autoprobe: 1 -> 0");
	assert_string_equal(rep.done[1], "sriov_numvfs: 0 -> 4");
	assert_null(rep.failed);
	sriov_plan_done(&plan);
	sriov_report_done(&rep);
}

static void test_idempotent(void **state)
{
	SriovReport rep = {};
	struct timespec before;

	set_count(4);
	assert_int_equal(sriov_vf_bind(PF, 1, SRIOV_BIND_VFIO, NULL, 0, &opts, NULL), 0);
	K.writes = 0;
	before = tree_ctime();
	/* Clocks tick coarsely on some file systems: leave a gap. */
	nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	assert_int_equal(sriov_set_numvfs(PF, 4, NULL, 0, &opts, NULL, &rep), 0);
	assert_int_equal(sriov_vf_bind(PF, 1, SRIOV_BIND_VFIO, NULL, 0, &opts, &rep), 0);
	assert_int_equal(sriov_vf_bind(PF, 2, SRIOV_BIND_NONE, NULL, 0, &opts, &rep), 0);
	assert_int_equal(K.writes, 0);
	assert_null(rep.done);
	{
		struct timespec after = tree_ctime();

		assert_true(after.tv_sec == before.tv_sec && after.tv_nsec == before.tv_nsec);
	}
	sriov_report_done(&rep);
}

static void test_refused(void **state)
{
	const SriovHolder holders[] = { { "0000:01:10.0", "web1" } };
	SriovReport rep = {};
	SriovPlan plan = {};

	set_count(4);
	assert_int_equal(fake_bind(&K, "0000:01:10.2", "igbvf"), 0);
	assert_int_equal(fake_bind(&K, "0000:01:10.6", "vfio-pci"), 0);
	K.writes = 0;
	assert_int_equal(sriov_set_numvfs(PF, 2, holders, 1, &opts, &plan, &rep), -EBUSY);
	assert_int_equal(K.writes, 0);
	assert_true(plan.refused);
	assert_int_equal(plan.kind, SRIOV_PLAN_RECREATE);
	/* The VM's VF and the host-driver VF block; the idle vfio-pci one not. */
	assert_int_equal(plan.n_blockers, 2);
	assert_int_equal(plan.blockers[0].vf_index, 0);
	assert_int_equal(plan.blockers[0].reason, SRIOV_BLOCK_VM);
	assert_string_equal(plan.blockers[0].holder, "web1");
	assert_string_equal(plan.blockers[0].pci_addr, "0000:01:10.0");
	assert_int_equal(plan.blockers[1].vf_index, 1);
	assert_int_equal(plan.blockers[1].reason, SRIOV_BLOCK_DRIVER);
	assert_string_equal(plan.blockers[1].holder, "igbvf");
	sriov_plan_done(&plan);
	/* reset destroys too, so the same rule holds. */
	assert_int_equal(sriov_reset(PF, holders, 1, &opts, &plan, &rep), -EBUSY);
	sriov_plan_done(&plan);
	assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "4");

	/* --force goes ahead and still says what it broke. */
	{
		SriovOptions force = opts;

		force.force = true;
		assert_int_equal(sriov_set_numvfs(PF, 2, holders, 1, &force, &plan, &rep), 0);
		assert_false(plan.refused);
		assert_int_equal(plan.n_blockers, 2);
		assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "2");
		sriov_plan_done(&plan);
	}
	/* A VM's VF cannot be rebound either. */
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_VFIO, holders, 1, &opts, &rep), -EBUSY);
	assert_non_null(strstr(rep.failed, "web1"));
	sriov_report_done(&rep);
}

static void test_above_total(void **state)
{
	SriovReport rep = {};

	K.writes = 0;
	assert_int_equal(sriov_set_numvfs(PF, 8, NULL, 0, &opts, NULL, &rep), -EINVAL);
	assert_int_equal(sriov_set_numvfs(PF, -1, NULL, 0, &opts, NULL, &rep), -EINVAL);
	assert_int_equal(K.writes, 0);
	assert_int_equal(sriov_set_numvfs("0000:09:00.0", 1, NULL, 0, &opts, NULL, &rep), -ENOENT);
	sriov_report_done(&rep);
}

/* The kernel refuses to tear VFs down (EBUSY): nothing else changes. */
static void test_kernel_ebusy(void **state)
{
	SriovReport rep = {};

	set_count(4);
	assert_int_equal(fake_bind(&K, "0000:01:10.0", "vfio-pci"), 0);
	K.fail_path = "/sriov_numvfs";
	K.fail_error = -EBUSY;
	/* Autoprobe back on, to see it restored after the failure. */
	{
		FILE *f = fopen(fake_path(&K, PFDIR "/sriov_drivers_autoprobe"), "we");

		fputs("1\n", f);
		fclose(f);
	}
	assert_int_equal(sriov_set_numvfs(PF, 6, NULL, 0, &opts, NULL, &rep), -EBUSY);
	assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "4");
	assert_string_equal(fake_read(&K, PFDIR "/sriov_drivers_autoprobe"), "1");
	assert_non_null(strstr(rep.failed, "sriov_numvfs: Device or resource busy"));
	assert_string_equal(rep.undone[0], "sriov_drivers_autoprobe restored to 1");
	sriov_report_done(&rep);
}

/* 4 -> 0 works, 0 -> 6 fails: the 4 VFs are made again. */
static void test_halfway(void **state)
{
	SriovReport rep = {};

	set_count(4);
	K.fail_path = "/sriov_numvfs";
	K.fail_nth = 2;
	K.fail_error = -ENOMEM;
	assert_int_equal(sriov_set_numvfs(PF, 6, NULL, 0, &opts, NULL, &rep), -ENOMEM);
	assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "4");
	assert_int_equal(access(fake_path(&K, PFDIR "/virtfn3"), F_OK), 0);
	assert_string_equal(rep.done[0], "sriov_numvfs: 4 -> 0");
	assert_string_equal(rep.undone[0], "sriov_numvfs restored to 4 (VF attributes and bindings are not)");
	sriov_report_done(&rep);
}

/* A real write failure, no hook: a directory where the file should be. */
static void test_write_fails(void **state)
{
	SriovReport rep = {};
	const char *p;

	sriov_set_write_hook(NULL, NULL);
	p = fake_path(&K, PFDIR "/sriov_drivers_autoprobe");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(sriov_set_numvfs(PF, 2, NULL, 0, &opts, NULL, &rep), -EISDIR);
	assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "0");
	assert_non_null(strstr(rep.failed, "sriov_drivers_autoprobe: Is a directory"));
	assert_null(rep.done);
	sriov_report_done(&rep);
}

static void test_bind(void **state)
{
	SriovReport rep = {};

	set_count(2);
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_VFIO, NULL, 0, &opts, &rep), 0);
	assert_string_equal(fake_read(&K, "/sys/bus/pci/devices/0000:01:10.0/driver_override"), "vfio-pci");
	{
		char buf[256];
		ssize_t n = readlink(fake_path(&K, "/sys/bus/pci/devices/0000:01:10.0/driver"), buf, sizeof(buf) - 1);

		assert_true(n > 0);
		buf[n] = 0;
		assert_non_null(strstr(buf, "/vfio-pci"));
	}
	/* Autoprobe is off (the engine made the VFs): the kernel probes the
	 * VF only if driver_override names the host driver. */
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_HOST, NULL, 0, &opts, &rep), 0);
	assert_string_equal(fake_read(&K, "/sys/bus/pci/devices/0000:01:10.0/driver_override"), "igbvf");
	{
		char buf[256];
		ssize_t n = readlink(fake_path(&K, "/sys/bus/pci/devices/0000:01:10.0/driver"), buf, sizeof(buf) - 1);

		assert_true(n > 0);
		buf[n] = 0;
		assert_non_null(strstr(buf, "/igbvf"));
	}
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_NONE, NULL, 0, &opts, &rep), 0);
	assert_int_equal(access(fake_path(&K, "/sys/bus/pci/devices/0000:01:10.0/driver"), F_OK), -1);
	assert_int_equal(sriov_vf_bind(PF, 2, SRIOV_BIND_VFIO, NULL, 0, &opts, &rep), -ENOENT);
	sriov_report_done(&rep);
}

/* A driver link that cannot be read is not "no driver": bind none fails
 * with the cause instead of reporting success having done nothing, and a
 * count change refuses to plan on a VF it cannot see. */
static void test_bind_unreadable(void **state)
{
	SriovReport rep = {};
	SriovPlan plan = {};
	char cmd[512];

	set_count(2);
	assert_int_equal(fake_bind(&K, "0000:01:10.0", "igbvf"), 0);
	snprintf(cmd, sizeof(cmd), "rm \"%s\" && echo x >\"%s\"",
		 fake_path(&K, "/sys/bus/pci/devices/0000:01:10.0/driver"),
		 fake_path(&K, "/sys/bus/pci/devices/0000:01:10.0/driver"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_NONE, NULL, 0, &opts, &rep), -EINVAL);
	assert_non_null(rep.failed);
	assert_non_null(strstr(rep.failed, "reading its driver link"));
	assert_null(rep.done);
	sriov_report_done(&rep);
	assert_int_equal(sriov_plan_change(PF, 0, NULL, 0, false, &plan), -EINVAL);
}

static void test_bind_timeout(void **state)
{
	SriovReport rep = {};
	struct timespec t0, t1;

	set_count(1);
	assert_int_equal(fake_bind(&K, "0000:01:10.0", "igbvf"), 0);
	K.probe_noop = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_VFIO, NULL, 0, &opts, &rep), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Bounded: the 200 ms given, not forever. */
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	assert_non_null(strstr(rep.failed, "waiting for vfio-pci"));
	/* Override put back; the old driver could not come back (stuck
	 * kernel), and the report says so. */
	assert_string_equal(fake_read(&K, "/sys/bus/pci/devices/0000:01:10.0/driver_override"), "(null)");
	assert_non_null(rep.undone);
	assert_string_equal(rep.undone[0], "0000:01:10.0 driver_override restored to (none)");
	assert_string_equal(rep.undone[1], "0000:01:10.0 could NOT be bound to igbvf again");
	sriov_report_done(&rep);

	/* vfio-pci not loaded. */
	K.probe_noop = 0;
	assert_int_equal(system("rm -rf \"$KVMNET_SYSROOT/sys/bus/pci/drivers/vfio-pci\""), 0);
	assert_int_equal(sriov_vf_bind(PF, 0, SRIOV_BIND_VFIO, NULL, 0, &opts, &rep), -ENODEV);
	assert_non_null(strstr(rep.failed, "modprobe vfio-pci"));
	sriov_report_done(&rep);
}

static void test_reset(void **state)
{
	SriovReport rep = {};

	set_count(3);
	assert_int_equal(sriov_reset(PF, NULL, 0, &opts, NULL, &rep), 0);
	assert_string_equal(fake_read(&K, PFDIR "/sriov_numvfs"), "0");
	assert_string_equal(fake_read(&K, PFDIR "/sriov_drivers_autoprobe"), "1");
	assert_int_equal(access(fake_path(&K, PFDIR "/virtfn0"), F_OK), -1);
	sriov_report_done(&rep);
	K.writes = 0;
	assert_int_equal(sriov_reset(PF, NULL, 0, &opts, NULL, &rep), 0);
	assert_int_equal(K.writes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_above_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_ebusy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_halfway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
