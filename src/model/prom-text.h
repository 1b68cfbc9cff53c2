/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The Prometheus text exposition format (version 0.0.4), written: a
 * family's "# HELP" and "# TYPE" lines, then its samples, label values
 * escaped (backslash, double quote, newline) and made valid UTF-8 (an
 * invalid byte becomes U+FFFD: Prometheus refuses the whole scrape
 * otherwise, and a domain name is not ours to trust).  Pure: text in
 * memory, no I/O.  Names are checked against the format's grammar; a bad
 * one is a programming error, reported once by prom_text_finish().
 *
 * Errors stick: after the first one every call does nothing and
 * prom_text_finish() returns it, so a writer need not check each call.
 */

typedef enum PromType {
	PROM_GAUGE,
	PROM_COUNTER,
	PROM_HISTOGRAM,
} PromType;

typedef struct PromLabel {
	const char *name;
	const char *value;
} PromLabel;

/* A histogram as it is kept: counts per bucket (not cumulative), bucket
 * i holding the observations <= bounds[i] and > bounds[i - 1]; the last
 * count, past the last bound, is the +Inf bucket's own share. */
#define PROM_HISTOGRAM_MAX_BUCKETS 16
typedef struct PromHistogram {
	const double *bounds; /* ascending, n_bounds of them */
	size_t n_bounds;
	uint64_t counts[PROM_HISTOGRAM_MAX_BUCKETS + 1];
	double sum;
} PromHistogram;

typedef struct PromText {
	char *buf;
	size_t len, cap;
	int error;
	const char *family; /* the family the samples belong to */
	PromType type;
} PromText;

void prom_text_init(PromText *t);
/* Start a family: its HELP and TYPE lines. */
void prom_text_family(PromText *t, const char *name, PromType type, const char *help);
/* A sample of the current family (a gauge or counter): name is the
 * family's. */
void prom_text_sample(PromText *t, const PromLabel *labels, size_t n_labels, double value);
/* The same for an integer, written exactly (a counter past 2^53 too). */
void prom_text_sample_u64(PromText *t, const PromLabel *labels, size_t n_labels, uint64_t value);
/* The current family's _bucket, _sum and _count lines for h. */
void prom_text_histogram(PromText *t, const PromLabel *labels, size_t n_labels, const PromHistogram *h);
/* Put an observation into h's bucket. */
void prom_histogram_observe(PromHistogram *h, double value);
/* The text (NUL-terminated, *ret_len bytes) or the first error: -EINVAL
 * for a bad name or a sample outside a family, -ENOMEM.  The buffer is
 * the caller's; on error it is freed. */
int prom_text_finish(PromText *t, char **ret, size_t *ret_len);

/* Whether s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or a label name
 * ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"). */
int prom_metric_name_valid(const char *s);
int prom_label_name_valid(const char *s);
