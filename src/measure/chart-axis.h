/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* The value axis of `kvmnetctl bench --svg`: pure, numbers in, numbers out.
 * A fixed 0-1 Gbit/s axis drew 30 Mbit/s bars one pixel high and labelled
 * them 0.03; the axis follows the data instead. */

typedef struct ChartAxis {
	const char *unit; /* "Gbit/s", "Mbit/s", "kbit/s" or "bit/s" */
	double per_unit;  /* bits per second in one unit: 1e9 for Gbit/s */
	double step;      /* between ticks, in the unit: 1, 2 or 5 x 10^k */
	double top;       /* the last tick, a multiple of step >= the largest value */
	int decimals;     /* of the tick labels: enough for step */
} ChartAxis;

/* The axis for values from 0 to max_bps (bits per second): the largest
 * unit in which max_bps is at least 1, and the smallest 1-2-5 step that
 * covers it in at most 5 intervals.  max_bps <= 0 (no data) gives 0-1
 * Gbit/s. */
void chart_axis(double max_bps, ChartAxis *ret);

/* Decimals for labelling the values v[0..n) (bits per second) on axis a:
 * three significant digits of the axis' top, more (up to 6) while two
 * different values would print alike. */
int chart_value_decimals(const ChartAxis *a, const double *v, size_t n);
