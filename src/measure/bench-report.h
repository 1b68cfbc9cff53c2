/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "measure/bench-stats.h"

/*
 * `kvmnetctl bench` results as a table and as JSON, and the JSON read back
 * for `bench --compare`.  Pure: series in, text out, and text in, series
 * out.
 *
 * The JSON document (kvmnetctl(8), "bench --json"):
 *   {"runs": N, "seconds": S,                      (a measuring run)
 *    "compare": ["before.json", ...],              (instead, from --compare)
 *    "results": [{"label": "...", "from": "...", "to": "...",
 *                 "path": "veth",                  (namespace mode only)
 *                 "proto": "tcp"|"udp", "seconds": S,
 *                 "bps": [per run], "mean_bps", "min_bps", "max_bps", "stddev_bps",
 *                 "lost_percent": [per run], "lost_percent_mean",   (udp only)
 *                 "file": "before.json", "change_percent": P}]}    (--compare only)
 */

/* The table: a heading line, a header, a row per series with runs.
 * change is NULL, or per series the change against its baseline in
 * percent (NAN: the series is a baseline, shown as "base"). */
int bench_table(const BenchSeries *s, size_t n, const double *change, const char *heading, char **ret);

/* A measuring run's document: "runs" and "seconds" at the top. */
int bench_json_run(const BenchSeries *s, size_t n, unsigned runs, unsigned seconds, char **ret);
/* --compare's document: "compare" lists the files; each result carries
 * its "file" and, unless a baseline, "change_percent". */
int bench_json_compare(const BenchSeries *s, size_t n, const double *change, char *const files[], size_t n_files,
		       char **ret);

/* Appends the results of one document (of either kind, and the older
 * namespace-mode one without label/from/to: its label is the path) to
 * *s / *n, each with file set.  -EBADMSG with *ret_error naming the
 * result and what was expected ("results[2]: 'bps' should be an array of
 * 1 to 100 numbers"); -EFBIG over BENCH_JSON_MAX. */
#define BENCH_JSON_MAX ((size_t)16 << 20)
#define BENCH_LABEL_MAX 256
int bench_json_parse(const char *text, size_t len, const char *file, BenchSeries **s, size_t *n, char **ret_error);

/* For --compare: a label found in more than one file is suffixed with
 * " (STEM)", STEM the file's name without directory and ".json", so that
 * "vm:a->vm:b" from before.json and after.json become "vm:a->vm:b
 * (before)" and "vm:a->vm:b (after)".  -ENOMEM only. */
int bench_compare_labels(BenchSeries *s, size_t n);
/* For each series, the first series with the same protocol and path is
 * its baseline; change[i] is 100 * (mean / baseline mean - 1), NAN for the
 * baselines themselves and when the baseline's mean is 0. */
void bench_compare_changes(const BenchSeries *s, size_t n, double *change);
