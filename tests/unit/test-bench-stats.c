/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/bench-stats.h"

static void test_stats(void **state)
{
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	BenchStats s;

	assert_int_equal(bench_stats(v, 8, &s), 0);
	assert_float_equal(s.mean, 5.0, 1e-12);
	assert_float_equal(s.min, 2.0, 0);
	assert_float_equal(s.max, 9.0, 0);
	/* Sample standard deviation: sqrt(32 / 7). */
	assert_float_equal(s.stddev, sqrt(32.0 / 7.0), 1e-12);
}

static void test_one_and_none(void **state)
{
	const double v[] = { 9.4e9 };
	BenchStats s;

	assert_int_equal(bench_stats(v, 1, &s), 0);
	assert_float_equal(s.stddev, 0, 0);
	assert_float_equal(s.mean, 9.4e9, 0);
	assert_int_equal(bench_stats(v, 0, &s), -EINVAL);
	assert_int_equal(bench_stats(NULL, 3, &s), -EINVAL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_svg(void **state)
{
	BenchSeries s[3] = {
		{ .path = "veth", .proto = "tcp", .bps = { 9e9, 11e9 }, .n = 2 },
		{ .path = "veth", .proto = "udp", .bps = { 1e9 }, .n = 1 },
		{ .path = "bridge", .proto = "tcp", .n = 0 },
	};
	char *svg = NULL;

	assert_int_equal(bench_svg(s, 3, "a < b & c", &svg), 0);
	assert_true(strncmp(svg, "<?xml", 5) == 0);
	assert_non_null(strstr(svg, "a &lt; b &amp; c"));
	/* Two bars drawn (the series without runs has none), three labels. */
	assert_int_equal(count(svg, "<rect"), 2);
	assert_int_equal(count(svg, ">bridge<"), 1);
	/* The tallest whisker (11 Gbit/s) sets the axis: top tick 11.0. */
	assert_non_null(strstr(svg, ">11.0<"));
	assert_non_null(strstr(svg, ">10.00<"));
	assert_non_null(strstr(svg, "</svg>\n"));
	free(svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_one_and_none),
		cmocka_unit_test(test_svg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
