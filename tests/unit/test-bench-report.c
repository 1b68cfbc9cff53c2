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

#include "measure/bench-report.h"

static void make(BenchSeries *s, const char *label, const char *path, const char *proto, double gbps, size_t n)
{
	assert_int_equal(bench_series_init(s, label, "vm:a", "vm:b@10.0.0.2", path, proto, 5), 0);
	for (size_t i = 0; i < n; i++) {
		s->bps[i] = (gbps + 0.1 * (double)i) * 1e9;
		s->lost_pct[i] = 0.5 * (double)i;
	}
	s->n = n;
}

static void test_table(void **state)
{
	BenchSeries s[3];
	char *t = NULL;

	make(&s[0], "vm:a->vm:b@10.0.0.2", NULL, "tcp", 2, 3);
	make(&s[1], "vm:a->vm:b@10.0.0.2", NULL, "udp", 1, 2);
	make(&s[2], "none", NULL, "tcp", 1, 0);
	assert_int_equal(bench_table(s, 3, NULL, "heading", &t), 0);
	assert_string_equal(t, "heading\n"
			       "LABEL               PROTO RUNS     MEAN      MIN      MAX   STDDEV   LOST%\n"
			       "vm:a->vm:b@10.0.0.2 tcp      3     2.10     2.00     2.20     0.10       -\n"
			       "vm:a->vm:b@10.0.0.2 udp      2     1.05     1.00     1.10     0.07    0.25\n");
	free(t);
	const double change[3] = { NAN, 12.345, -50 };
	s[2].bps[0] = 1e9;
	s[2].n = 1;
	assert_int_equal(bench_table(s, 3, change, "h", &t), 0);
	assert_string_equal(t, "h\n"
			       "LABEL               PROTO RUNS     MEAN      MIN      MAX   STDDEV   LOST%   CHANGE\n"
			       "vm:a->vm:b@10.0.0.2 tcp      3     2.10     2.00     2.20     0.10       -     base\n"
			       "vm:a->vm:b@10.0.0.2 udp      2     1.05     1.00     1.10     0.07    0.25   +12.3%\n"
			       "none                tcp      1     1.00     1.00     1.00     0.00       -   -50.0%\n");
	free(t);
	for (int i = 0; i < 3; i++)
		bench_series_done(&s[i]);
}

/* What --json writes, --compare reads back the same. */
static void test_round_trip(void **state)
{
	BenchSeries s[2], *back = NULL;
	char *json = NULL, *err = NULL;
	size_t n = 0;

	make(&s[0], "before/veth", "veth", "tcp", 9.5, 5);
	make(&s[1], "before/veth", "veth", "udp", 1.5, 5);
	assert_int_equal(bench_json_run(s, 2, 5, 5, &json), 0);
	assert_non_null(strstr(json, "\"label\": \"before/veth\""));
	assert_non_null(strstr(json, "\"from\": \"vm:a\""));
	assert_non_null(strstr(json, "\"lost_percent_mean\": 1"));
	assert_int_equal(bench_json_parse(json, strlen(json), "b.json", &back, &n, &err), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(back[i].label, s[i].label);
		assert_string_equal(back[i].from, "vm:a");
		assert_string_equal(back[i].to, "vm:b@10.0.0.2");
		assert_string_equal(back[i].path, "veth");
		assert_string_equal(back[i].proto, s[i].proto);
		assert_string_equal(back[i].file, "b.json");
		assert_int_equal(back[i].seconds, 5);
		assert_int_equal(back[i].n, 5);
		assert_memory_equal(back[i].bps, s[i].bps, 5 * sizeof(double));
	}
	assert_memory_equal(back[1].lost_pct, s[1].lost_pct, 5 * sizeof(double));
	bench_series_free(back, n);
	free(json);
	bench_series_done(&s[0]);
	bench_series_done(&s[1]);
}

/* The netns JSON of before this change had no label, from or to, and
 * "runs"/"seconds" only at the top: its label is the path. */
static void test_old_netns(void **state)
{
	const char *old = "{\"runs\": 2, \"seconds\": 3, \"results\": ["
			  "{\"path\": \"veth\", \"proto\": \"tcp\", \"bps\": [1e9, 3e9], \"mean_bps\": 2e9},"
			  "{\"path\": \"veth\", \"proto\": \"udp\", \"bps\": [1e9, 1e9], \"lost_percent_mean\": 2.5}]}\n";
	BenchSeries *s = NULL;
	size_t n = 0;

	assert_int_equal(bench_json_parse(old, strlen(old), NULL, &s, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].label, "veth");
	assert_null(s[0].from);
	assert_null(s[0].file);
	assert_int_equal(s[0].seconds, 3);
	assert_float_equal(s[1].lost_pct[0], 2.5, 0);
	assert_float_equal(s[1].lost_pct[1], 2.5, 0);
	bench_series_free(s, n);
	/* No label or path: from->to names it. */
	const char *vm = "{\"results\": [{\"from\": \"host\", \"to\": \"vm:x\", \"proto\": \"tcp\", \"bps\": [1]}]}";
	s = NULL;
	n = 0;
	assert_int_equal(bench_json_parse(vm, strlen(vm), "f", &s, &n, NULL), 0);
	assert_string_equal(s[0].label, "host->vm:x");
	assert_int_equal(s[0].seconds, 0);
	bench_series_free(s, n);
}

static void bad(const char *json, const char *want)
{
	BenchSeries *s = NULL;
	size_t n = 0;
	char *err = NULL;

	assert_int_equal(bench_json_parse(json, strlen(json), "x.json", &s, &n, &err), -EBADMSG);
	assert_int_equal(n, 0);
	assert_non_null(err);
	if (!strstr(err, want))
		fail_msg("%s: '%s' does not say '%s'", json, err, want);
	free(err);
	free(s);
}

static void test_bad(void **state)
{
	bad("", "empty");
	bad("{\"results\": [", "cut short");
	bad("not json", "");
	bad("[]", "no \"results\" array");
	bad("{\"results\": {}}", "no \"results\" array");
	bad("{\"results\": []}", "\"results\" is empty");
	bad("{\"results\": [1]}", "results[0]: should be an object");
	bad("{\"results\": [{\"path\": \"veth\", \"proto\": \"sctp\", \"bps\": [1]}]}", "results[0]: 'proto'");
	bad("{\"results\": [{\"proto\": \"tcp\", \"bps\": [1]}]}", "no 'label', 'path' or 'from' and 'to'");
	bad("{\"results\": [{\"label\": \"\", \"proto\": \"tcp\", \"bps\": [1]}]}", "printable");
	bad("{\"results\": [{\"label\": \"a\\u0001\", \"proto\": \"tcp\", \"bps\": [1]}]}", "printable");
	bad("{\"results\": [{\"label\": \"a\\u0000b\", \"proto\": \"tcp\", \"bps\": [1]}]}", "printable");
	bad("{\"results\": [{\"label\": 5, \"proto\": \"tcp\", \"bps\": [1]}]}", "printable");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\"}]}", "results[0]: 'bps'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": []}]}", "'bps'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [-1]}]}", "'bps'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [\"1\"]}]}", "'bps'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [1e300]}]}", "'bps'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"udp\", \"bps\": [1], \"lost_percent\": [1, 2]}]}",
	    "'lost_percent'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"udp\", \"bps\": [1], \"lost_percent_mean\": 101}]}",
	    "'lost_percent_mean'");
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [1], \"seconds\": -1}]}", "'seconds'");
	bad("{\"seconds\": \"5\", \"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [1]}]}", "'seconds'");
	/* The second result is bad: the first is not kept either. */
	bad("{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [1]}, {\"proto\": \"tcp\"}]}",
	    "results[1]");
}

static void test_many_runs(void **state)
{
	char buf[8192];
	size_t len = (size_t)sprintf(buf, "{\"results\": [{\"label\": \"a\", \"proto\": \"tcp\", \"bps\": [");
	BenchSeries *s = NULL;
	size_t n = 0;

	for (int i = 0; i < BENCH_MAX_RUNS; i++)
		len += (size_t)sprintf(buf + len, "%s%d", i ? "," : "", i);
	strcpy(buf + len, "]}]}");
	assert_int_equal(bench_json_parse(buf, strlen(buf), NULL, &s, &n, NULL), 0);
	assert_int_equal(s[0].n, BENCH_MAX_RUNS);
	bench_series_free(s, n);
	strcpy(buf + len, ",7]}]}");
	s = NULL;
	n = 0;
	assert_int_equal(bench_json_parse(buf, strlen(buf), NULL, &s, &n, NULL), -EBADMSG);
	free(s);
	assert_int_equal(bench_json_parse(buf, BENCH_JSON_MAX + 1, NULL, &s, &n, NULL), -EFBIG);
}

static void test_truncated(void **state)
{
	BenchSeries one, *s = NULL;
	char *json = NULL;
	size_t n = 0, ok = 0;

	make(&one, "l", NULL, "udp", 1, 2);
	assert_int_equal(bench_json_run(&one, 1, 2, 5, &json), 0);
	for (size_t i = 0; i <= strlen(json); i++)
		if (bench_json_parse(json, i, NULL, &s, &n, NULL) == 0)
			ok++;
	assert_int_equal(ok, 1);
	bench_series_free(s, n);
	free(json);
	bench_series_done(&one);
}

/* Two files with the same label, and a baseline per protocol and path. */
static void test_compare(void **state)
{
	BenchSeries *s = NULL;
	size_t n = 0;
	double change[6];
	const char *before = "{\"results\": ["
			     "{\"label\": \"vm:a->vm:b\", \"proto\": \"tcp\", \"bps\": [2e9]},"
			     "{\"label\": \"vm:a->vm:b\", \"proto\": \"udp\", \"bps\": [1e9]}]}";
	const char *after = "{\"results\": ["
			    "{\"label\": \"vm:a->vm:b\", \"proto\": \"tcp\", \"bps\": [3e9]},"
			    "{\"label\": \"vm:a->vm:b\", \"proto\": \"udp\", \"bps\": [0.5e9]}]}";
	const char *vf = "{\"results\": ["
			 "{\"label\": \"vf\", \"proto\": \"tcp\", \"bps\": [4e9]},"
			 "{\"label\": \"vf\", \"path\": \"veth\", \"proto\": \"tcp\", \"bps\": [1e9]}]}";

	assert_int_equal(bench_json_parse(before, strlen(before), "/tmp/x/before.json", &s, &n, NULL), 0);
	assert_int_equal(bench_json_parse(after, strlen(after), "after.json", &s, &n, NULL), 0);
	assert_int_equal(bench_json_parse(vf, strlen(vf), "vf.JSON", &s, &n, NULL), 0);
	assert_int_equal(n, 6);
	assert_int_equal(bench_compare_labels(s, n), 0);
	assert_string_equal(s[0].label, "vm:a->vm:b (before)");
	assert_string_equal(s[1].label, "vm:a->vm:b (before)");
	assert_string_equal(s[2].label, "vm:a->vm:b (after)");
	assert_string_equal(s[4].label, "vf"); /* in one file only */
	bench_compare_changes(s, n, change);
	assert_true(isnan(change[0]));
	assert_true(isnan(change[1]));
	assert_float_equal(change[2], 50, 1e-9);
	assert_float_equal(change[3], -50, 1e-9);
	assert_float_equal(change[4], 100, 1e-9);
	assert_true(isnan(change[5])); /* the first with path veth */

	char *json = NULL;
	char *const files[] = { "/tmp/x/before.json", "after.json", "vf.JSON" };
	assert_int_equal(bench_json_compare(s, n, change, files, 3, &json), 0);
	assert_non_null(strstr(json, "\"compare\": ["));
	assert_non_null(strstr(json, "\"/tmp/x/before.json\""));
	assert_non_null(strstr(json, "\"change_percent\": 50"));
	assert_non_null(strstr(json, "\"file\": \"after.json\""));
	/* The compare document reads back, its labels as they now are. */
	BenchSeries *again = NULL;
	size_t m = 0;
	assert_int_equal(bench_json_parse(json, strlen(json), "c.json", &again, &m, NULL), 0);
	assert_int_equal(m, 6);
	assert_string_equal(again[2].label, "vm:a->vm:b (after)");
	bench_series_free(again, m);
	free(json);
	bench_series_free(s, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),	 cmocka_unit_test(test_round_trip), cmocka_unit_test(test_old_netns),
		cmocka_unit_test(test_bad),	 cmocka_unit_test(test_many_runs),  cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
