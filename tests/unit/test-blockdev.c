/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/host/blockdev on a copy of tests/fixtures/blockdev (see its README). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "host/blockdev.h"
#include "../lib/tmp-root.h"

static char root[TMP_ROOT_MAX];

static void expect(const char *source, const char *want)
{
	_cleanup_strv_free_ char **disks = NULL;
	char joined[256] = "";

	assert_int_equal(blockdev_disks_of(source, &disks), 0);
	STRV_FOREACH(d, disks) {
		if (joined[0])
			strcat(joined, ",");
		strcat(joined, *d);
	}
	assert_string_equal(joined, want);
}

static void test_nodes(void **state)
{
	expect("/dev/vda", "vda");
	expect("/dev/vda1", "vda");
	expect("/dev/disk/by-id/virtio-disk0-part1", "vda");
	/* dm-0 has no scheduler of its own: the disk under it. */
	expect("/dev/mapper/vg-lv", "vda");
	expect("/dev/sda", "sda");
}

static void test_names(void **state)
{
	_cleanup_strv_free_ char **d = NULL;

	assert_int_equal(blockdev_disks_of_name("vda2", &d), 0);
	assert_string_equal(d[0], "vda");
	assert_null(d[1]);
	assert_int_equal(blockdev_disks_of_name("sdz", &d), -ENODEV);
	assert_int_equal(blockdev_disks_of_name("..", &d), -ENODEV);
	assert_int_equal(blockdev_disks_of_name("", &d), -ENODEV);
}

static void test_errors(void **state)
{
	_cleanup_strv_free_ char **d = NULL;

	assert_int_equal(blockdev_disks_of("/dev/nope", &d), -ENOENT);
	assert_int_equal(blockdev_disks_of("relative/path", &d), -EINVAL);
	assert_int_equal(blockdev_disks_of("", &d), -EINVAL);
	/* A directory is on no disk of its own. */
	assert_int_equal(blockdev_disks_of("/sys", &d), -ENODEV);
	assert_null(d);
}

/* A slaves/ that cannot be listed is no answer: dm-0 must not pass for a
 * disk of its own (its queue would be tuned instead of vda's). */
static void test_unreadable_slaves(void **state)
{
	char dir[256], bak[300];
	_cleanup_strv_free_ char **d = NULL;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/sys/devices/virtual/block/dm-0/slaves", root);
	snprintf(bak, sizeof(bak), "%s.bak", dir);
	assert_int_equal(rename(dir, bak), 0);
	f = fopen(dir, "we");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(blockdev_disks_of("/dev/mapper/vg-lv", &d), -ENOTDIR);
	assert_null(d);
	assert_int_equal(unlink(dir), 0);
	assert_int_equal(rename(bak, dir), 0);
	expect("/dev/mapper/vg-lv", "vda");
}

/* A qcow2 file: the disk its file system is on, by st_dev. */
static void test_file(void **state)
{
	char img[128], link[256], target[256];
	struct stat st;
	FILE *f;

	snprintf(img, sizeof(img), "%s/disk.qcow2", root);
	f = fopen(img, "we");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(stat(img, &st), 0);
	snprintf(link, sizeof(link), "%s/sys/dev/block/%u:%u", root, major(st.st_dev), minor(st.st_dev));
	/* Not a block device as this tree sees it: no disk. */
	unlink(link);
	{
		_cleanup_strv_free_ char **d = NULL;

		assert_int_equal(blockdev_disks_of("/disk.qcow2", &d), -ENODEV);
	}
	snprintf(target, sizeof(target), "../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda");
	assert_int_equal(symlink(target, link), 0);
	expect("/disk.qcow2", "sda");
}

/* A real device node (root only): by its device number. */
static void test_real_node(void **state)
{
	char node[128];

	snprintf(node, sizeof(node), "%s/dev/realnode", root);
	if (mknod(node, S_IFBLK | 0600, makedev(254, 1)) < 0)
		skip();
	expect("/dev/realnode", "vda");
}

static int setup(void **state)
{
	assert_int_equal(tmp_root_new(root, "blockdev"), 0);
	assert_int_equal(tmp_root_copy(root, "blockdev", ""), 0);
	return 0;
}

static int teardown(void **state)
{
	return tmp_root_remove(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes), cmocka_unit_test(test_names),	cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unreadable_slaves),
		cmocka_unit_test(test_file),  cmocka_unit_test(test_real_node),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
