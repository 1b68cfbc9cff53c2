/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "measure/bench-stats.h"

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
		{ .label = "veth", .proto = "tcp", .bps = { 9e9, 11e9 }, .n = 2 },
		{ .label = "veth", .proto = "udp", .bps = { 1e9 }, .n = 1 },
		{ .label = "bridge", .proto = "tcp", .n = 0 },
	};
	char *svg = NULL;

	assert_int_equal(bench_svg(s, 3, "a < b & c", &svg), 0);
	assert_true(strncmp(svg, "<?xml", 5) == 0);
	assert_non_null(strstr(svg, "a &lt; b &amp; c"));
	/* Two bars drawn (the series without runs has none); a label per
	 * group of bars, a protocol under each bar. */
	assert_int_equal(count(svg, "<rect"), 2);
	assert_int_equal(count(svg, ">veth<"), 1);
	assert_int_equal(count(svg, ">bridge<"), 1);
	assert_int_equal(count(svg, ">tcp<"), 2);
	assert_int_equal(count(svg, ">udp<"), 1);
	/* The tallest whisker (11 Gbit/s) sets the axis: ticks every 5 up
	 * to 15; the means with three digits of it. */
	assert_non_null(strstr(svg, ">15</text>"));
	assert_non_null(strstr(svg, ">Gbit/s<"));
	assert_non_null(strstr(svg, ">10.0<"));
	assert_non_null(strstr(svg, ">1.0<"));
	assert_non_null(strstr(svg, "</svg>\n"));
	free(svg);
}

/* Labels group consecutive bars only; a long label widens its group so
 * that the labels do not overlap; control characters do not reach XML. */
static void test_svg_groups(void **state)
{
	BenchSeries s[4] = {
		{ .label = "before", .proto = "tcp", .bps = { 1e9 }, .n = 1 },
		{ .label = "after", .proto = "tcp", .bps = { 2e9 }, .n = 1 },
		{ .label = "before", .proto = "udp", .bps = { 1e9 }, .n = 1 },
		{ .label = "vm:a-very-long-domain-name->vm:b@10.0.0.2\x01", .proto = "tcp", .bps = { 1e9 }, .n = 1 },
	};
	char *svg = NULL, *wide = NULL;
	int w1, w2;

	assert_int_equal(bench_svg(s, 3, "t", &svg), 0);
	assert_int_equal(count(svg, ">before<"), 2);
	assert_int_equal(count(svg, ">after<"), 1);
	assert_int_equal(sscanf(strstr(svg, "<svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\"", &w1), 1);
	assert_int_equal(bench_svg(s, 4, "t", &wide), 0);
	assert_int_equal(sscanf(strstr(wide, "<svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\"", &w2), 1);
	/* 42 characters at 7 px: the fourth group is wider than one bar. */
	assert_true(w2 - w1 >= 42 * 7);
	assert_non_null(strstr(wide, "10.0.0.2?<"));
	assert_null(strchr(wide, '\x01'));
	free(svg);
	free(wide);
}

static void test_series_init(void **state)
{
	BenchSeries s;

	assert_int_equal(bench_series_init(&s, "l", "host", "vm:a", NULL, "udp", 7), 0);
	assert_string_equal(s.label, "l");
	assert_string_equal(s.from, "host");
	assert_string_equal(s.to, "vm:a");
	assert_null(s.path);
	assert_null(s.file);
	assert_string_equal(s.proto, "udp");
	assert_int_equal(s.seconds, 7);
	assert_int_equal(s.n, 0);
	bench_series_done(&s);
	assert_null(s.label);
	bench_series_done(NULL);
	bench_series_free(NULL, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_one_and_none),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_groups),
		cmocka_unit_test(test_series_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
