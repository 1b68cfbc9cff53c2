/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/bench-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	BenchSeries *s = NULL, *back = NULL;
	size_t n = 0, m = 0;
	char *err = NULL, *json = NULL, *table = NULL;
	double *change;

	if (bench_json_parse((const char *)data, size, "fuzz.json", &s, &n, &err) < 0) {
		free(err);
		free(s);
		return 0;
	}
	/* What --compare reads it can print, and its own output reads back. */
	change = calloc(n, sizeof(double));
	if (!change || bench_compare_labels(s, n) < 0)
		abort();
	bench_compare_changes(s, n, change);
	if (bench_table(s, n, change, "h", &table) < 0 ||
	    bench_json_compare(s, n, change, (char *[]){ "fuzz.json" }, 1, &json) < 0 ||
	    bench_json_parse(json, strlen(json), NULL, &back, &m, NULL) < 0 || m != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (back[i].n != s[i].n || memcmp(back[i].bps, s[i].bps, s[i].n * sizeof(double)) != 0)
			abort();
	bench_series_free(back, m);
	bench_series_free(s, n);
	free(change);
	free(json);
	free(table);
	return 0;
}
