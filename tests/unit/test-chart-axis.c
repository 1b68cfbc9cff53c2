/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "measure/chart-axis.h"

static void check_axis(double max_bps, const char *unit, double step, double top, int decimals)
{
	ChartAxis a;

	chart_axis(max_bps, &a);
	assert_string_equal(a.unit, unit);
	assert_float_equal(a.step, step, step * 1e-9);
	assert_float_equal(a.top, top, top * 1e-9);
	assert_int_equal(a.decimals, decimals);
	/* Never more than 5 intervals, never fewer than 2. */
	assert_true(a.top / a.step <= 5 + 1e-9 && a.top / a.step >= 2 - 1e-9);
	assert_true(a.top * a.per_unit >= max_bps * (1 - 1e-12));
}

/* The unit is the largest in which the largest value is at least 1; the
 * step is 1, 2 or 5 x 10^k. */
static void test_axis(void **state)
{
	/* The lab's before/after: 30 Mbit/s was a bar of 0.03 on 0-1 Gbit/s. */
	check_axis(34e6, "Mbit/s", 10, 40, 0);
	check_axis(3.1e9, "Gbit/s", 1, 4, 0);
	check_axis(2.13e9, "Gbit/s", 0.5, 2.5, 1);
	check_axis(1e9, "Gbit/s", 0.2, 1, 1);
	check_axis(11e9, "Gbit/s", 5, 15, 0);
	check_axis(999e6, "Mbit/s", 200, 1000, 0);
	check_axis(614e6, "Mbit/s", 200, 800, 0);
	check_axis(1.5e6, "Mbit/s", 0.5, 1.5, 1);
	check_axis(12e3, "kbit/s", 5, 15, 0);
	check_axis(800, "bit/s", 200, 800, 0);
	check_axis(0.05, "bit/s", 0.01, 0.05, 2);
	/* No data: a plain 0-1 Gbit/s axis. */
	check_axis(0, "Gbit/s", 0.2, 1, 1);
	check_axis(-1, "Gbit/s", 0.2, 1, 1);
}

static void test_value_decimals(void **state)
{
	ChartAxis a;
	const double lab[] = { 2.13e9, 34e6, 9.6e6 };
	const double close[] = { 2.131e9, 2.134e9 };
	const double same[] = { 2.13e9, 2.13e9 };
	const double mbit[] = { 614e6, 12e6 };

	/* Three significant digits of the top: 2.13 on a 2.5 axis... */
	chart_axis(2.13e9, &a);
	assert_int_equal(chart_value_decimals(&a, lab, 3), 2);
	/* ...and more where two means would print alike. */
	chart_axis(2.134e9, &a);
	assert_int_equal(chart_value_decimals(&a, close, 2), 3);
	assert_int_equal(chart_value_decimals(&a, same, 2), 2);
	chart_axis(614e6, &a);
	assert_int_equal(chart_value_decimals(&a, mbit, 2), 0);
	assert_int_equal(chart_value_decimals(&a, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axis),
		cmocka_unit_test(test_value_decimals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
