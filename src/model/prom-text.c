/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "model/prom-text.h"

void prom_text_init(PromText *t)
{
	*t = (PromText){ 0 };
}

static void fail(PromText *t, int error)
{
	if (t->error == 0)
		t->error = error;
}

static void put(PromText *t, const char *s, size_t n)
{
	if (t->error)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *b;

		while (cap < t->len + n + 1)
			cap *= 2;
		b = realloc(t->buf, cap);
		if (!b) {
			fail(t, -ENOMEM);
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = 0;
}

static void puts_(PromText *t, const char *s)
{
	put(t, s, strlen(s));
}

static void putf(PromText *t, const char *fmt, ...) _printf_(2, 3);
static void putf(PromText *t, const char *fmt, ...)
{
	char b[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b))
		fail(t, -EINVAL);
	else
		put(t, b, (size_t)n);
}

int prom_metric_name_valid(const char *s)
{
	if (isempty(s) || strchr("0123456789", s[0]))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:") == strlen(s);
}

int prom_label_name_valid(const char *s)
{
	if (isempty(s) || strchr("0123456789", s[0]) || strneq(s, "__", 2))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(s);
}

/* HELP text escapes backslash and newline; a label value also the
 * double quote.  Either way the result is valid UTF-8. */
static void put_escaped(PromText *t, const char *s, bool quote)
{
	size_t n = strlen(s);

	while (n > 0) {
		size_t c = utf8_char_len(s, n);

		if (c == 0) {
			puts_(t, "\xef\xbf\xbd"); /* U+FFFD */
			c = 1;
		} else if (*s == '\\')
			puts_(t, "\\\\");
		else if (*s == '\n')
			puts_(t, "\\n");
		else if (*s == '"' && quote)
			puts_(t, "\\\"");
		else
			put(t, s, c);
		s += c;
		n -= c;
	}
}

void prom_text_family(PromText *t, const char *name, PromType type, const char *help)
{
	static const char *const types[] = { "gauge", "counter", "histogram" };

	if (!prom_metric_name_valid(name) || (unsigned)type >= ELEMENTSOF(types)) {
		fail(t, -EINVAL);
		return;
	}
	t->family = name;
	t->type = type;
	puts_(t, "# HELP ");
	puts_(t, name);
	puts_(t, " ");
	put_escaped(t, help, false);
	puts_(t, "\n# TYPE ");
	puts_(t, name);
	puts_(t, " ");
	puts_(t, types[type]);
	puts_(t, "\n");
}

/* name{a="x",b="y"} with an extra label (le=) when extra is given. */
static void put_series(PromText *t, const char *suffix, const PromLabel *labels, size_t n, const PromLabel *extra)
{
	size_t total = n + (extra != NULL);

	if (!t->family) {
		fail(t, -EINVAL);
		return;
	}
	puts_(t, t->family);
	puts_(t, suffix);
	for (size_t i = 0; i < total; i++) {
		const PromLabel *l = i < n ? &labels[i] : extra;

		if (!prom_label_name_valid(l->name) || !l->value) {
			fail(t, -EINVAL);
			return;
		}
		puts_(t, i == 0 ? "{" : ",");
		puts_(t, l->name);
		puts_(t, "=\"");
		put_escaped(t, l->value, true);
		puts_(t, "\"");
	}
	if (total > 0)
		puts_(t, "}");
}

/* Go's ParseFloat reads what %g writes; the shortest form that reads
 * back the same, so that 0.1 stays 0.1. */
static void format_double(double v, char b[static 32])
{
	if (isnan(v))
		strcpy(b, "NaN");
	else if (isinf(v))
		strcpy(b, v > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(b, 32, "%.15g", v);
		if (strtod(b, NULL) != v)
			snprintf(b, 32, "%.17g", v);
	}
}

void prom_text_sample(PromText *t, const PromLabel *labels, size_t n_labels, double value)
{
	char b[32];

	if (t->type == PROM_HISTOGRAM) {
		fail(t, -EINVAL);
		return;
	}
	put_series(t, "", labels, n_labels, NULL);
	format_double(value, b);
	putf(t, " %s\n", b);
}

void prom_text_sample_u64(PromText *t, const PromLabel *labels, size_t n_labels, uint64_t value)
{
	if (t->type == PROM_HISTOGRAM) {
		fail(t, -EINVAL);
		return;
	}
	put_series(t, "", labels, n_labels, NULL);
	putf(t, " %" PRIu64 "\n", value);
}

void prom_histogram_observe(PromHistogram *h, double value)
{
	size_t i = 0;

	while (i < h->n_bounds && value > h->bounds[i])
		i++;
	h->counts[i]++;
	h->sum += value;
}

void prom_text_histogram(PromText *t, const PromLabel *labels, size_t n_labels, const PromHistogram *h)
{
	uint64_t cum = 0;
	char b[32];

	if (t->type != PROM_HISTOGRAM || h->n_bounds > PROM_HISTOGRAM_MAX_BUCKETS) {
		fail(t, -EINVAL);
		return;
	}
	for (size_t i = 0; i <= h->n_bounds; i++) {
		PromLabel le = { "le", b };

		if (i < h->n_bounds) {
			if (i > 0 && !(h->bounds[i] > h->bounds[i - 1])) {
				fail(t, -EINVAL);
				return;
			}
			format_double(h->bounds[i], b);
		} else
			strcpy(b, "+Inf");
		cum += h->counts[i];
		put_series(t, "_bucket", labels, n_labels, &le);
		putf(t, " %" PRIu64 "\n", cum);
	}
	put_series(t, "_sum", labels, n_labels, NULL);
	format_double(h->sum, b);
	putf(t, " %s\n", b);
	put_series(t, "_count", labels, n_labels, NULL);
	putf(t, " %" PRIu64 "\n", cum);
}

int prom_text_finish(PromText *t, char **ret, size_t *ret_len)
{
	if (!t->error && !t->buf)
		put(t, "", 0);
	if (t->error) {
		int r = t->error;

		free(t->buf);
		prom_text_init(t);
		return r;
	}
	*ret = t->buf;
	*ret_len = t->len;
	prom_text_init(t);
	return 0;
}
