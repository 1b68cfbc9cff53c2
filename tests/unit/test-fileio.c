/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs on a throw-away tree made under $TMPDIR and used as KVMNET_SYSROOT. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/strv.h"
#include "../lib/tmp-root.h"

static char root[TMP_ROOT_MAX];

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmp_root_put(root, rel, content), 0);
}

static int setup(void **state)
{
	char p[512];

	if (tmp_root_new(root, "fileio") < 0)
		return -1;
	put("/sys/num", "7\n");
	put("/sys/hex", "0x8086\n");
	put("/sys/garbage", "seven\n");
	put("/sys/empty", "");
	put("/sys/b", "");
	put("/sys/a", "");
	snprintf(p, sizeof(p), "%s/sys/link", root);
	if (symlink("../../bus/pci/drivers/igb", p) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return tmp_root_remove(root);
}

static void test_root(void **state)
{
	char *p = NULL;

	assert_int_equal(root_path(&p, "/sys/x"), 0);
	assert_true(strncmp(p, root, strlen(root)) == 0);
	assert_string_equal(p + strlen(root), "/sys/x");
	free(p);
}

static void test_ints(void **state)
{
	uint64_t v;
	int i;

	assert_int_equal(read_u64_file("/sys/num", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(read_u64_file("/sys/hex", &v), -EINVAL);
	assert_int_equal(read_int_file("/sys/garbage", &i), -EINVAL);
	assert_int_equal(read_int_file("/sys/empty", &i), -EINVAL);
	assert_int_equal(read_int_file("/sys/missing", &i), -ENOENT);
}

static void test_link_and_dir(void **state)
{
	char *s = NULL;
	char **l = NULL;

	assert_int_equal(read_link_basename("/sys/link", &s), 0);
	assert_string_equal(s, "igb");
	free(s);
	assert_int_equal(read_link_basename("/sys/num", &s), -EINVAL);
	assert_int_equal(list_dir("/sys", NULL, &l), 0);
	assert_int_equal(strv_length(l), 7);
	assert_string_equal(l[0], "a");
	strv_free(l);
	assert_int_equal(list_dir("/sys", "nu", &l), 0);
	assert_int_equal(strv_length(l), 1);
	strv_free(l);
	assert_int_equal(list_dir("/nope", NULL, &l), -ENOENT);
}

static void test_write(void **state)
{
	char *s = NULL;

	assert_int_equal(write_string_file("/sys/num", "3"), 0);
	assert_int_equal(read_one_line("/sys/num", &s), 0);
	assert_string_equal(s, "3");
	free(s);
	assert_int_equal(write_string_file("/sys/nodir/x", "3"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_link_and_dir),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
