/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Statistics and the SVG chart of `kvmnetctl bench`: pure, numbers in,
 * numbers and text out. */

#define BENCH_MAX_RUNS 100

typedef struct BenchStats {
	double mean, min, max;
	double stddev; /* sample standard deviation (n - 1); 0 for one run */
} BenchStats;

/* -EINVAL for n == 0. */
int bench_stats(const double *v, size_t n, BenchStats *ret);

typedef struct BenchSeries {
	const char *path;  /* "veth", "bridge", "macvlan" */
	const char *proto; /* "tcp", "udp" */
	double bps[BENCH_MAX_RUNS];      /* received bits per second, per run */
	double lost_pct[BENCH_MAX_RUNS]; /* UDP datagrams lost, per run */
	size_t n;
} BenchSeries;

/* A bar per series (mean, with a min-max whisker), in Gbit/s, as a
 * stand-alone SVG document.  Series with no runs are drawn empty. */
int bench_svg(const BenchSeries *s, size_t n, const char *title, char **ret);
