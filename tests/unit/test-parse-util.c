/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/parse-util.h"

static void test_u64(void **state)
{
	uint64_t v;

	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	/* Decimal only: no octal, no hex (issue 19). */
	assert_int_equal(parse_u64("0x8086", &v), -EINVAL);
	assert_int_equal(parse_u64("0x10", &v), -EINVAL);
	assert_int_equal(parse_u64("010", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_u64("08", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_u64("", &v), -EINVAL);
	assert_int_equal(parse_u64("-1", &v), -EINVAL);
	assert_int_equal(parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(parse_u64("1x", &v), -EINVAL);
}

static void test_int(void **state)
{
	int v;

	assert_int_equal(parse_int("-1", &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(parse_int("010", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_int("-010", &v), 0);
	assert_int_equal(v, -10);
	assert_int_equal(parse_int("0x7", &v), -EINVAL);
	assert_int_equal(parse_int("2147483648", &v), -ERANGE);
	assert_int_equal(parse_int("-", &v), -EINVAL);
	assert_int_equal(parse_int("7 ", &v), -EINVAL);
}

static void test_bool(void **state)
{
	bool b;

	assert_int_equal(parse_bool("on", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("OFF", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b), -EINVAL);
}

static void test_duration(void **state)
{
	uint64_t us;

	assert_int_equal(parse_duration_us("500ms", &us), 0);
	assert_int_equal(us, 500000);
	assert_int_equal(parse_duration_us("5s", &us), 0);
	assert_int_equal(us, 5000000);
	assert_int_equal(parse_duration_us("2m", &us), 0);
	assert_int_equal(us, 120000000);
	assert_int_equal(parse_duration_us("5", &us), -EINVAL);
	assert_int_equal(parse_duration_us("5 s", &us), -EINVAL);
	assert_int_equal(parse_duration_us("5d", &us), -EINVAL);
	assert_int_equal(parse_duration_us("99999999999999999h", &us), -ERANGE);
}

static void test_strstrip(void **state)
{
	char a[] = "  x y \n";
	char b[] = "";

	assert_string_equal(strstrip(a), "x y");
	assert_string_equal(strstrip(b), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),	 cmocka_unit_test(test_int),
		cmocka_unit_test(test_bool),	 cmocka_unit_test(test_duration),
		cmocka_unit_test(test_strstrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
