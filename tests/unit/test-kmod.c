/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kmod_state() and process_find_by_comm() on throw-away trees used as
 * KVMNET_SYSROOT: each source of module state alone, and their order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "host/kmod.h"
#include "host/process.h"
#include "../lib/tmp-root.h"

static char root[TMP_ROOT_MAX];

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmp_root_put(root, rel, content), 0);
}

static KmodState state(const char *name)
{
	KmodState st;

	assert_int_equal(kmod_state(name, &st), 0);
	return st;
}

static int setup(void **s)
{
	return tmp_root_new(root, "kmod");
}

static int teardown(void **s)
{
	return tmp_root_remove(root);
}

static void test_no_modules(void **s)
{
	/* A kernel without CONFIG_MODULES: only /sys/module tells. */
	assert_false(kmod_supported());
	assert_int_equal(state("vfio-pci"), KMOD_ABSENT);
	put("/sys/module/kvm/parameters/halt_poll_ns", "200000\n");
	assert_int_equal(state("kvm"), KMOD_BUILTIN);
	assert_int_equal(kmod_state("", &(KmodState){ 0 }), -EINVAL);
	assert_int_equal(kmod_state("../x", &(KmodState){ 0 }), -EINVAL);
}

static void test_sources(void **s)
{
	put("/proc/modules", "igb 286720 0 - Live 0x0\n");
	put("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
	put("/lib/modules/6.1.0-18-amd64/modules.dep",
	    "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/vfio.ko.xz\nkernel/drivers/net/tun.ko.xz:\n");
	put("/lib/modules/6.1.0-18-amd64/modules.builtin", "kernel/drivers/net/tun.ko\n");
	put("/sys/module/vhost_net/initstate", "live\n");
	assert_true(kmod_supported());
	assert_int_equal(state("igb"), KMOD_LOADED);
	assert_int_equal(state("vfio_pci"), KMOD_AVAILABLE);
	/* Built in wins over a stale modules.dep line. */
	assert_int_equal(state("tun"), KMOD_BUILTIN);
	/* Loaded but missing from /proc/modules (a race): /sys/module says. */
	assert_int_equal(state("vhost-net"), KMOD_LOADED);
	assert_int_equal(state("macvtap"), KMOD_ABSENT);
	assert_string_equal(kmod_state_to_string(KMOD_AVAILABLE), "available");
}

static void test_process(void **s)
{
	pid_t pid = 0;

	put("/proc/1/comm", "systemd\n");
	put("/proc/900/comm", "irqbalance\n");
	put("/proc/88/comm", "irqbalance\n");
	put("/proc/self/comm", "irqbalance\n"); /* not a pid */
	put("/proc/77/stat", "no comm file: exited\n");
	assert_int_equal(process_find_by_comm("irqbalance", &pid), 0);
	assert_int_equal(pid, 88);
	assert_int_equal(process_find_by_comm("irqbalanc", &pid), -ESRCH);
	setenv("KVMNET_SYSROOT", "/nonexistent-kvmnet-root", 1);
	sysroot_reset();
	assert_int_equal(process_find_by_comm("irqbalance", &pid), -ENOENT);
	setenv("KVMNET_SYSROOT", root, 1);
	sysroot_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_modules),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
