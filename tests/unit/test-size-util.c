/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/size-util.h"

static void test_parse(void **state)
{
	static const struct {
		const char *s;
		uint64_t kib;
	} ok[] = {
		{ "1048576", 1048576 }, { "1G", 1048576 },	{ "1g", 1048576 },   { "1GiB", 1048576 },
		{ "1gib", 1048576 },	{ "512M", 524288 },	{ "512MiB", 524288 }, { "2k", 2 },
		{ "2KiB", 2 },		{ "1GB", 976563 },	{ "1000KB", 977 },    { "4096b", 4 },
		{ "1bytes", 1 },	{ "1025byte", 2 },	{ "1T", 1073741824 }, { "0", 0 },
		{ "1e", 1ULL << 50 },
	};
	static const char *const bad[] = { "", "G", "1.5G", "-1", "1 G", "1Gi", "1GiBs", "1x", "0x10", "1kbb" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 7;
		assert_int_equal(parse_size_kib(ok[i].s, &v), 0);
		if (v != ok[i].kib)
			fail_msg("%s: %llu, expected %llu", ok[i].s, (unsigned long long)v,
				 (unsigned long long)ok[i].kib);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		if (parse_size_kib(bad[i], &v) != -EINVAL)
			fail_msg("%s accepted", bad[i]);
		assert_int_equal(v, 7);
	}
	assert_int_equal(parse_size_kib("17E", &v), -ERANGE);
	assert_int_equal(parse_size_kib("99999999999999999999999999999999999", &v), -ERANGE);
}

static void test_format(void **state)
{
	char b[SIZE_STR_MAX];

	assert_string_equal(format_kib(100, b), "100 KiB");
	assert_string_equal(format_kib(524288, b), "512.0 MiB");
	assert_string_equal(format_kib(3145728, b), "3.0 GiB");
	assert_string_equal(format_kib(1572864, b), "1.5 GiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
