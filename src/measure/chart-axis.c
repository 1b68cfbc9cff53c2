/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "measure/chart-axis.h"

#define MAX_DECIMALS 6

static const struct {
	const char *unit;
	double per_unit;
} units[] = {
	{ "Gbit/s", 1e9 },
	{ "Mbit/s", 1e6 },
	{ "kbit/s", 1e3 },
	{ "bit/s", 1 },
};

/* The smallest 1, 2 or 5 x 10^k at least x (x > 0). */
static double nice_step(double x)
{
	double mag = pow(10, floor(log10(x)));
	double f = x / mag;

	/* The tolerance keeps 0.2000000001 (a float's error) at 0.2. */
	if (f <= 1 + 1e-9)
		return mag;
	if (f <= 2 + 1e-9)
		return 2 * mag;
	if (f <= 5 + 1e-9)
		return 5 * mag;
	return 10 * mag;
}

static int decimals_for(double x)
{
	int d = (int)-floor(log10(x) + 1e-9);

	return d < 0 ? 0 : d > MAX_DECIMALS ? MAX_DECIMALS : d;
}

void chart_axis(double max_bps, ChartAxis *ret)
{
	size_t u = 0;
	double v;

	if (!(max_bps > 0))
		max_bps = 1e9;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && max_bps < units[u].per_unit)
		u++;
	v = max_bps / units[u].per_unit;
	*ret = (ChartAxis){ .unit = units[u].unit, .per_unit = units[u].per_unit, .step = nice_step(v / 5) };
	ret->top = ceil(v / ret->step - 1e-9) * ret->step;
	ret->decimals = decimals_for(ret->step);
}

/* Would two different values print alike with d decimals? */
static bool collide(const ChartAxis *a, const double *v, size_t n, int d)
{
	char x[64], y[64];

	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++) {
			if (v[i] == v[k])
				continue;
			snprintf(x, sizeof(x), "%.*f", d, v[i] / a->per_unit);
			snprintf(y, sizeof(y), "%.*f", d, v[k] / a->per_unit);
			if (strcmp(x, y) == 0)
				return true;
		}
	return false;
}

int chart_value_decimals(const ChartAxis *a, const double *v, size_t n)
{
	/* Three significant digits of the top: 2.13 of 2.5, 61.4 of 80, 614 of 800. */
	int d = 2 - (int)floor(log10(a->top) + 1e-9);

	d = d < 0 ? 0 : d > MAX_DECIMALS ? MAX_DECIMALS : d;
	while (d < MAX_DECIMALS && collide(a, v, n, d))
		d++;
	return d;
}
