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

/* One row of results: a pair of ends, a protocol, N runs.  The strings are
 * owned (bench_series_done() frees them). */
typedef struct BenchSeries {
	char *label;      /* the group of bars: "veth", "before/veth", "vm:a->host", "after" */
	char *from, *to;  /* the ends as written: "netns:a", "host", "vm:b@10.0.0.2" */
	char *path;       /* namespace mode: veth, bridge, macvlan; NULL between VMs and the host */
	char *proto;      /* "tcp", "udp" */
	char *file;       /* --compare: the JSON file it was read from; NULL otherwise */
	unsigned seconds; /* length of each run; 0 when unknown */
	double bps[BENCH_MAX_RUNS];      /* received bits per second, per run */
	double lost_pct[BENCH_MAX_RUNS]; /* UDP datagrams lost, per run */
	size_t n;
} BenchSeries;

/* Copies the strings (path may be NULL); the numbers start empty. */
int bench_series_init(BenchSeries *s, const char *label, const char *from, const char *to, const char *path,
		      const char *proto, unsigned seconds);
/* Frees the strings and zeroes *s; NULL-safe. */
void bench_series_done(BenchSeries *s);
/* bench_series_done() on each, then free(s). */
void bench_series_free(BenchSeries *s, size_t n);

/* A bar per series (mean, with a min-max whisker) as a stand-alone SVG
 * document, on an axis scaled to the data in Gbit/s, Mbit/s or kbit/s
 * (chart-axis.h), the unit named beside it; consecutive series with the
 * same label form one group under that label, each bar named by its
 * protocol.  Series with no runs are drawn empty. */
int bench_svg(const BenchSeries *s, size_t n, const char *title, char **ret);
