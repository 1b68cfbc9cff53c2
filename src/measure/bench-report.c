/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "measure/bench-report.h"

/* ---- the table */

static bool is_udp(const BenchSeries *s)
{
	return s->proto && streq(s->proto, "udp");
}

static int label_width(const BenchSeries *s, size_t n)
{
	size_t w = 8;

	for (size_t i = 0; i < n; i++)
		if (s[i].label && strlen(s[i].label) > w)
			w = strlen(s[i].label);
	return (int)(w > BENCH_LABEL_MAX ? BENCH_LABEL_MAX : w);
}

static void table_row(FILE *f, const BenchSeries *s, int w, const double *change)
{
	BenchStats st, lost;

	bench_stats(s->bps, s->n, &st);
	fprintf(f, "%-*s %-5s %4zu %8.2f %8.2f %8.2f %8.2f", w, s->label ? s->label : "-", s->proto ? s->proto : "-",
		s->n, st.mean / 1e9, st.min / 1e9, st.max / 1e9, st.stddev / 1e9);
	if (is_udp(s) && bench_stats(s->lost_pct, s->n, &lost) >= 0)
		fprintf(f, " %7.2f", lost.mean);
	else
		fprintf(f, " %7s", "-");
	if (change && isnan(*change))
		fprintf(f, " %8s", "base");
	else if (change)
		fprintf(f, " %+7.1f%%", *change);
	fputc('\n', f);
}

int bench_table(const BenchSeries *s, size_t n, const double *change, const char *heading, char **ret)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int w = label_width(s, n);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n", heading);
	fprintf(f, "%-*s %-5s %4s %8s %8s %8s %8s %7s%s\n", w, "LABEL", "PROTO", "RUNS", "MEAN", "MIN", "MAX", "STDDEV",
		"LOST%", change ? "   CHANGE" : "");
	for (size_t i = 0; i < n; i++)
		if (s[i].n > 0)
			table_row(f, &s[i], w, change ? &change[i] : NULL);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

/* ---- JSON out */

/* Builds into o; every failure is out of memory, and o keeps what it got. */
static bool put(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return false;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

static bool put_str(json_object *o, const char *key, const char *v)
{
	return !v || put(o, key, json_object_new_string(v));
}

/* The shortest of %.15g and %.17g that reads back as v: 3.1, not
 * 3.1000000000000001, and never a value that differs once read. */
static json_object *num(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	return json_object_new_double_s(v, buf);
}

static json_object *doubles(const double *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		json_object *d = num(v[i]);

		if (!d || json_object_array_add(a, d) < 0) {
			json_object_put(d);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static json_object *result_json(const BenchSeries *s)
{
	json_object *j = json_object_new_object();
	BenchStats st, lost;
	bool ok;

	if (!j)
		return NULL;
	bench_stats(s->bps, s->n, &st);
	ok = put_str(j, "label", s->label) && put_str(j, "from", s->from) && put_str(j, "to", s->to) &&
	     put_str(j, "path", s->path) && put_str(j, "proto", s->proto) &&
	     put(j, "seconds", json_object_new_int((int)s->seconds)) && put(j, "bps", doubles(s->bps, s->n)) &&
	     put(j, "mean_bps", num(st.mean)) && put(j, "min_bps", num(st.min)) &&
	     put(j, "max_bps", num(st.max)) &&
	     put(j, "stddev_bps", num(st.stddev));
	if (ok && is_udp(s) && bench_stats(s->lost_pct, s->n, &lost) >= 0)
		ok = put(j, "lost_percent", doubles(s->lost_pct, s->n)) &&
		     put(j, "lost_percent_mean", num(lost.mean));
	if (!ok) {
		json_object_put(j);
		return NULL;
	}
	return j;
}

/* The "results" array; with change (--compare), each result also gets
 * its file and its change against the baseline. */
static json_object *results_json(const BenchSeries *s, size_t n, const double *change)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		json_object *j;

		if (s[i].n == 0)
			continue;
		j = result_json(&s[i]);
		if (j && change && !(put_str(j, "file", s[i].file) &&
				     (isnan(change[i]) || put(j, "change_percent", num(change[i]))))) {
			json_object_put(j);
			j = NULL;
		}
		if (!j || json_object_array_add(a, j) < 0) {
			json_object_put(j);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static int finish(json_object *root, bool ok, char **ret)
{
	const char *text = ok ? json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
									     JSON_C_TO_STRING_NOSLASHESCAPE)
			      : NULL;

	*ret = text ? strdup(text) : NULL;
	json_object_put(root);
	return *ret ? 0 : -ENOMEM;
}

int bench_json_run(const BenchSeries *s, size_t n, unsigned runs, unsigned seconds, char **ret)
{
	json_object *root = json_object_new_object();
	bool ok = root && put(root, "runs", json_object_new_int((int)runs)) &&
		  put(root, "seconds", json_object_new_int((int)seconds)) &&
		  put(root, "results", results_json(s, n, NULL));

	return finish(root, ok, ret);
}

int bench_json_compare(const BenchSeries *s, size_t n, const double *change, char *const files[], size_t n_files,
		       char **ret)
{
	json_object *root = json_object_new_object(), *f = json_object_new_array();
	bool ok = root && put(root, "compare", f);

	for (size_t i = 0; ok && i < n_files; i++) {
		json_object *name = json_object_new_string(files[i]);

		ok = name && json_object_array_add(f, name) == 0;
		if (!ok)
			json_object_put(name);
	}
	ok = ok && put(root, "results", results_json(s, n, change));
	if (!root)
		json_object_put(f);
	return finish(root, ok, ret);
}

/* ---- JSON in */

#define bad(ret_error, ...) error_setf(ret_error, -EBADMSG, __VA_ARGS__)

/* An optional string member: 0 absent, 1 present and sane, -EBADMSG. */
static int get_str(json_object *o, const char *key, const char **ret)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v) || strlen(s) == 0 || strlen(s) > BENCH_LABEL_MAX)
		return -EBADMSG;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return -EBADMSG;
	*ret = s;
	return 1;
}

/* An array of 1..BENCH_MAX_RUNS finite numbers >= 0 (and <= max). */
static int get_numbers(json_object *o, const char *key, double max, double *v, size_t *ret_n)
{
	json_object *a;
	size_t n;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
		return 0;
	n = json_object_array_length(a);
	if (n == 0 || n > BENCH_MAX_RUNS)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_double) && !json_object_is_type(e, json_type_int))
			return -EBADMSG;
		v[i] = json_object_get_double(e);
		if (!isfinite(v[i]) || v[i] < 0 || v[i] > max)
			return -EBADMSG;
		/* -0 passes "< 0" but prints as "-0": keep one zero so what we write reads back the same. */
		if (v[i] == 0)
			v[i] = 0;
	}
	*ret_n = n;
	return 1;
}

static int get_uint(json_object *o, const char *key, unsigned max, unsigned *ret)
{
	json_object *v;
	int64_t i;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || (i = json_object_get_int64(v)) < 0 || i > max)
		return -EBADMSG;
	*ret = (unsigned)i;
	return 1;
}

/* Loss per run: the array, or else the mean for every run, or else 0. */
static int get_loss(json_object *o, BenchSeries *s, char **e, size_t idx)
{
	json_object *m;
	size_t n;
	int r = get_numbers(o, "lost_percent", 100, s->lost_pct, &n);

	if (r < 0 || (r > 0 && n != s->n))
		return bad(e, "results[%zu]: 'lost_percent' should be %zu numbers from 0 to 100", idx, s->n);
	if (r > 0 || !json_object_object_get_ex(o, "lost_percent_mean", &m))
		return 0;
	if (!json_object_is_type(m, json_type_double) && !json_object_is_type(m, json_type_int))
		return bad(e, "results[%zu]: 'lost_percent_mean' should be a number", idx);
	double mean = json_object_get_double(m);
	if (!isfinite(mean) || mean < 0 || mean > 100)
		return bad(e, "results[%zu]: 'lost_percent_mean' should be from 0 to 100", idx);
	for (size_t k = 0; k < s->n; k++)
		s->lost_pct[k] = mean;
	return 0;
}

/* The label, from "label", else "path", else "from->to". */
static int result_label(const char *label, const char *path, const char *from, const char *to, char **ret)
{
	if (label || path)
		*ret = strdup(label ? label : path);
	else if (asprintf(ret, "%s->%s", from, to) < 0)
		*ret = NULL;
	return *ret ? 0 : -ENOMEM;
}

static int parse_result(json_object *o, size_t idx, unsigned seconds, const char *file, BenchSeries *s, char **e)
{
	const char *label = NULL, *from = NULL, *to = NULL, *path = NULL, *proto = NULL;
	_cleanup_free_ char *l = NULL;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return bad(e, "results[%zu]: should be an object", idx);
	if (get_str(o, "label", &label) < 0 || get_str(o, "from", &from) < 0 || get_str(o, "to", &to) < 0 ||
	    get_str(o, "path", &path) < 0)
		return bad(e, "results[%zu]: label, from, to and path should be strings of 1 to %d printable bytes", idx,
			   BENCH_LABEL_MAX);
	if (get_str(o, "proto", &proto) <= 0 || !(streq(proto, "tcp") || streq(proto, "udp")))
		return bad(e, "results[%zu]: 'proto' should be \"tcp\" or \"udp\"", idx);
	if (!label && !path && (!from || !to))
		return bad(e, "results[%zu]: no 'label', 'path' or 'from' and 'to' to name it by", idx);
	if (get_uint(o, "seconds", 86400, &seconds) < 0)
		return bad(e, "results[%zu]: 'seconds' should be a whole number of seconds", idx);
	if ((r = result_label(label, path, from, to, &l)) < 0 ||
	    (r = bench_series_init(s, l, from, to, path, proto, seconds)) < 0)
		return r;
	if (get_numbers(o, "bps", 1e15, s->bps, &s->n) <= 0)
		r = bad(e, "results[%zu]: 'bps' should be an array of 1 to %d numbers (bit/s)", idx, BENCH_MAX_RUNS);
	else if (file && !(s->file = strdup(file)))
		r = -ENOMEM;
	else
		r = get_loss(o, s, e, idx);
	if (r < 0)
		bench_series_done(s);
	return r;
}

int bench_json_parse(const char *text, size_t len, const char *file, BenchSeries **s, size_t *n, char **ret_error)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *results;
	unsigned seconds = 0;
	BenchSeries *v;
	size_t k;
	_cleanup_free_ char *why = NULL;
	int r = json_parse_text(text, len, BENCH_JSON_MAX, &root, &why);

	if (r == -EBADMSG)
		return bad(ret_error, "not JSON: %s", why ? why : "?");
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array))
		return bad(ret_error, "not a kvmnetctl bench --json document: no \"results\" array");
	if (get_uint(root, "seconds", 86400, &seconds) < 0)
		return bad(ret_error, "'seconds' should be a whole number of seconds");
	k = json_object_array_length(results);
	if (k == 0)
		return bad(ret_error, "\"results\" is empty");
	v = reallocarray(*s, *n + k, sizeof(**s));
	if (!v)
		return -ENOMEM;
	*s = v;
	for (size_t i = 0; i < k; i++) {
		r = parse_result(json_object_array_get_idx(results, i), i, seconds, file, &v[*n + i], ret_error);
		if (r < 0) {
			for (size_t j = 0; j < i; j++)
				bench_series_done(&v[*n + j]);
			return r;
		}
	}
	*n += k;
	return 0;
}

/* ---- --compare */

static bool streq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

static char *file_stem(const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t len = strlen(base);

	if (len > 5 && streq(base + len - 5, ".json"))
		len -= 5;
	return strndup(base, len);
}

static bool label_in_two_files(const BenchSeries *s, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (streq_null(s[j].label, s[i].label) && !streq_null(s[j].file, s[i].file))
			return true;
	return false;
}

int bench_compare_labels(BenchSeries *s, size_t n)
{
	bool *dup = calloc(n ? n : 1, sizeof(bool));

	if (!dup)
		return -ENOMEM;
	/* Decide first, rename after: a renamed label would not match. */
	for (size_t i = 0; i < n; i++)
		dup[i] = s[i].file && label_in_two_files(s, n, i);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *stem = NULL;
		char *l;

		if (!dup[i])
			continue;
		stem = file_stem(s[i].file);
		if (!stem || asprintf(&l, "%s (%s)", s[i].label, stem) < 0) {
			free(dup);
			return -ENOMEM;
		}
		free(s[i].label);
		s[i].label = l;
	}
	free(dup);
	return 0;
}

void bench_compare_changes(const BenchSeries *s, size_t n, double *change)
{
	for (size_t i = 0; i < n; i++) {
		BenchStats st, base;
		size_t b = 0;

		while (b < i && !(streq_null(s[b].proto, s[i].proto) && streq_null(s[b].path, s[i].path)))
			b++;
		change[i] = NAN;
		if (b < i && bench_stats(s[b].bps, s[b].n, &base) >= 0 && base.mean > 0 &&
		    bench_stats(s[i].bps, s[i].n, &st) >= 0)
			change[i] = 100 * (st.mean / base.mean - 1);
	}
}
