/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/cpuset.h"

static void roundtrip(const char *in, const char *want)
{
	CpuSet s;
	char *out = NULL;

	assert_int_equal(cpuset_parse_list(in, &s), 0);
	assert_int_equal(cpuset_format_list(&s, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_list(void **state)
{
	roundtrip("0-3,8,10-11", "0-3,8,10-11");
	roundtrip("3,2,1,0", "0-3");
	roundtrip("0\n", "0");
	roundtrip("", "");
	roundtrip("\n", "");
	roundtrip("5,5,5", "5");
}

static void test_list_4096(void **state)
{
	CpuSet s;
	char *out = NULL;

	assert_int_equal(cpuset_parse_list("0-4095", &s), 0);
	assert_int_equal(cpuset_count(&s), 4096);
	assert_int_equal(cpuset_next(&s, 4094), 4095);
	assert_int_equal(cpuset_next(&s, 4095), -1);
	assert_int_equal(cpuset_format_list(&s, &out), 0);
	assert_string_equal(out, "0-4095");
	free(out);
	assert_int_equal(cpuset_parse_list("8191", &s), 0);
	assert_int_equal(cpuset_first(&s), 8191);
}

static void test_list_bad(void **state)
{
	CpuSet s;

	assert_int_equal(cpuset_parse_list("3-1", &s), -EINVAL);
	assert_int_equal(cpuset_parse_list("a", &s), -EINVAL);
	assert_int_equal(cpuset_parse_list("1,,2", &s), -EINVAL);
	assert_int_equal(cpuset_parse_list("1-", &s), -EINVAL);
	assert_int_equal(cpuset_parse_list("-1", &s), -EINVAL);
	assert_int_equal(cpuset_parse_list("1 2", &s), -EINVAL);
	assert_int_equal(cpuset_parse_list("8192", &s), -ERANGE);
	assert_int_equal(cpuset_parse_list("99999999999999999999", &s), -ERANGE);
}

static void test_mask(void **state)
{
	CpuSet s;
	char *out = NULL;

	assert_int_equal(cpuset_parse_mask("00000000,0000000f\n", &s), 0);
	assert_int_equal(cpuset_format_list(&s, &out), 0);
	assert_string_equal(out, "0-3");
	free(out);
	assert_int_equal(cpuset_parse_mask("1,00000000", &s), 0);
	assert_int_equal(cpuset_first(&s), 32);
	assert_int_equal(cpuset_count(&s), 1);
	assert_int_equal(cpuset_parse_mask("", &s), -EINVAL);
	assert_int_equal(cpuset_parse_mask("xyz", &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_4096),
		cmocka_unit_test(test_list_bad),
		cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
