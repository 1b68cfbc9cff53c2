/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/host/cgroup on tests/fixtures/cgroup-v{1,2} (see their READMEs). */
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
#include "basic/macro.h"
#include "host/cgroup.h"
#include "../lib/tmp-root.h"

static void use(const char *fixture)
{
	char p[4096];
	const char *dir = getenv("KVMNET_FIXTURES");

	snprintf(p, sizeof(p), "%s/%s", dir ? dir : "tests/fixtures", fixture);
	setenv("KVMNET_SYSROOT", p, 1);
	sysroot_reset();
}

static void test_parse(void **state)
{
	CgroupPaths p;

	assert_int_equal(cgroup_parse_proc("0::/a/b\n", &p), 0);
	assert_string_equal(p.unified, "/a/b");
	assert_null(p.memory);
	assert_null(p.blkio);
	cgroup_paths_done(&p);
	/* v1: controllers joined by commas; a path holding ':'. */
	assert_int_equal(cgroup_parse_proc("4:cpu,memory:/x:y\n3:blkio:/z\n1:name=systemd:/s\n", &p), 0);
	assert_null(p.unified);
	assert_string_equal(p.memory, "/x:y");
	assert_string_equal(p.blkio, "/z");
	cgroup_paths_done(&p);
	/* Garbage lines are skipped; nothing well-formed at all is an error. */
	assert_int_equal(cgroup_parse_proc("x:memory:/a\n", &p), -EBADMSG);
	assert_int_equal(cgroup_parse_proc("12:memory:relative\n", &p), -EBADMSG);
	assert_int_equal(cgroup_parse_proc("", &p), -EBADMSG);
	assert_int_equal(cgroup_parse_proc(":::\n\n0::\n", &p), -EBADMSG);
	/* A controller name that only starts like one does not count. */
	assert_int_equal(cgroup_parse_proc("2:memoryx,blk:/a\n", &p), 0);
	assert_null(p.memory);
	assert_null(p.blkio);
	cgroup_paths_done(&p);
}

static void test_vm_root(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
	char *x = NULL;

	assert_int_equal(cgroup_vm_root("/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator", &a), 0);
	assert_string_equal(a, "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope");
	assert_int_equal(cgroup_vm_root("/machine/qemu-1-vm.libvirt-qemu/vcpu0", &b), 0);
	assert_string_equal(b, "/machine/qemu-1-vm.libvirt-qemu");
	assert_int_equal(cgroup_vm_root("/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope", &c), 0);
	assert_string_equal(c, "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope");
	/* Not a VM's own: never lift what others share. */
	assert_int_equal(cgroup_vm_root("/system.slice/libvirtd.service", &x), -ENOENT);
	assert_int_equal(cgroup_vm_root("/", &x), -ENOENT);
	assert_int_equal(cgroup_vm_root("/machine.slice/machine-.scope", &x), -ENOENT);
	assert_int_equal(cgroup_vm_root("/a/../machine-qemu-x.scope", &x), -EINVAL);
	assert_int_equal(cgroup_vm_root("rel", &x), -EINVAL);
	assert_null(x);
}

static void knobs_of(const char *vm, TuneKnobs *ks, int want_r)
{
	CgroupPaths p;
	pid_t pid;

	assert_int_equal(qemu_pid_of_domain(vm, &pid), 0);
	assert_int_equal(cgroup_read_pid(pid, &p), 0);
	assert_int_equal(cgroup_add_lift_knobs(ks, vm, &p), want_r);
	cgroup_paths_done(&p);
}

#define V2VM1 "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/"

static void test_v2(void **state)
{
	TuneKnobs ks = {};
	pid_t pid;

	use("cgroup-v2");
	knobs_of("vm1", &ks, 0);
	/* The memtune and blkiotune limits, and not cpu.max. */
	assert_int_equal(ks.n, 4);
	assert_string_equal(ks.k[0].label, "cgroup vm1 memory.high");
	assert_string_equal(ks.k[0].key, V2VM1 "memory.high");
	assert_string_equal(ks.k[0].want, "max");
	assert_string_equal(ks.k[1].key, V2VM1 "memory.max");
	assert_string_equal(ks.k[2].label, "cgroup vm1 io.max 254:0");
	assert_string_equal(ks.k[2].key, V2VM1 "io.max 254:0");
	assert_string_equal(ks.k[2].want, "rbps=max wbps=max riops=max wiops=max");
	assert_string_equal(ks.k[3].key, V2VM1 "io.max 8:0");
	for (size_t i = 0; i < ks.n; i++) {
		_cleanup_free_ char *now = NULL;

		assert_int_equal(tune_knob_read(&ks.k[i], &now), 0);
		assert_false(tune_knob_satisfied(&ks.k[i], now));
	}
	tune_knobs_done(&ks);
	knobs_of("vm2", &ks, 0); /* no limits: nothing */
	assert_int_equal(ks.n, 0);
	knobs_of("vm3", &ks, -ENOENT); /* libvirtd's own cgroup: refused */
	assert_int_equal(ks.n, 0);
	assert_int_equal(qemu_pid_of_domain("vm4", &pid), -ENOENT);
	assert_int_equal(qemu_pid_of_domain("../x", &pid), -EINVAL);
}

#define V1MEM "/sys/fs/cgroup/memory/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/"
#define V1BLK "/sys/fs/cgroup/blkio/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/"

static void test_v1(void **state)
{
	TuneKnobs ks = {};

	use("cgroup-v1");
	knobs_of("vm1", &ks, 0);
	assert_int_equal(ks.n, 4);
	/* memsw before the memory limit: the kernel keeps limit <= memsw. */
	assert_string_equal(ks.k[0].key, V1MEM "memory.memsw.limit_in_bytes");
	assert_string_equal(ks.k[1].key, V1MEM "memory.limit_in_bytes");
	assert_string_equal(ks.k[1].want, "-1");
	assert_string_equal(ks.k[2].key, V1BLK "blkio.throttle.read_bps_device 254:0");
	assert_string_equal(ks.k[2].want, "0");
	assert_string_equal(ks.k[3].key, V1BLK "blkio.throttle.write_iops_device 254:0");
	/* "No limit" as the kernel shows it counts as lifted. */
	assert_true(tune_knob_satisfied(&ks.k[1], "9223372036854771712"));
	assert_false(tune_knob_satisfied(&ks.k[1], "2147483648"));
	tune_knobs_done(&ks);
}

/* What the kernel is sent, write by write, and the key read back. */
static void test_writes(void **state)
{
	char root[TMP_ROOT_MAX];
	_cleanup_free_ char *text = NULL, *orig = NULL;
	TuneKnobs ks = {};
	const char *why = NULL;
	TuneKnob k;

	assert_int_equal(tmp_root_new(root, "cgroup"), 0);
	assert_int_equal(tmp_root_copy(root, "cgroup-v2", ""), 0);
	knobs_of("vm1", &ks, 0);
	assert_int_equal(tune_knob_read(&ks.k[3], &orig), 0);
	assert_string_equal(orig, "rbps=max wbps=5242880 riops=max wiops=max");
	assert_int_equal(tune_knob_write(&ks.k[3], ks.k[3].want), 0);
	assert_int_equal(read_full_file(V2VM1 "io.max", 4096, &text, NULL), 0);
	assert_string_equal(text, "8:0 rbps=max wbps=max riops=max wiops=max");
	/* The original back, through a knob rebuilt from its saved key. */
	assert_int_equal(tune_knob_from_key(ks.k[3].key, &k, &why), 0);
	assert_int_equal(k.kind, TUNE_KNOB_DEVLINE);
	assert_string_equal(k.path, V2VM1 "io.max");
	assert_int_equal(tune_knob_write(&k, orig), 0);
	free(text);
	assert_int_equal(read_full_file(V2VM1 "io.max", 4096, &text, NULL), 0);
	assert_string_equal(text, "8:0 rbps=max wbps=5242880 riops=max wiops=max");
	tune_knob_done(&k);
	assert_int_equal(tune_knob_write(&ks.k[1], "max"), 0);
	free(text);
	assert_int_equal(read_full_file(V2VM1 "memory.max", 4096, &text, NULL), 0);
	assert_string_equal(text, "max");
	tune_knobs_done(&ks);
	assert_int_equal(tmp_root_remove(root), 0);
}

/* A limit file that exists but cannot be read is not "nothing to lift". */
static void test_unreadable(void **state)
{
	char root[TMP_ROOT_MAX], p[512];
	TuneKnobs ks = {};

	assert_int_equal(tmp_root_new(root, "cgroup"), 0);
	assert_int_equal(tmp_root_copy(root, "cgroup-v2", ""), 0);
	snprintf(p, sizeof(p), "%s" V2VM1 "memory.max", root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	knobs_of("vm1", &ks, -EISDIR);
	tune_knobs_done(&ks);
	snprintf(p, sizeof(p), "%s" V2VM1 "io.max", root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	knobs_of("vm1", &ks, -EISDIR);
	tune_knobs_done(&ks);
	assert_int_equal(tmp_root_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse), cmocka_unit_test(test_vm_root), cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v1),    cmocka_unit_test(test_writes),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
