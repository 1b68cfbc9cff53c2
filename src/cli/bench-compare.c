/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl bench --compare FILE.json...: earlier --json results side by
 * side, each row with its label, and the change against the first. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "bench.h"
#include "commands.h"
#include "measure/bench-report.h"

static int read_one(const char *file, BenchSeries **s, size_t *n)
{
	_cleanup_free_ char *text = NULL, *err = NULL;
	size_t len;
	int r = read_user_file(file, BENCH_JSON_MAX, &text, &len);

	if (r == 0)
		r = bench_json_parse(text, len, file, s, n, &err);
	if (r == -EBADMSG)
		fprintf(stderr, "kvmnetctl bench: --compare %s: %s\n", file,
			err ? err : "not a kvmnetctl bench --json document");
	else if (r == -EFBIG)
		fprintf(stderr, "kvmnetctl bench: --compare %s: over %zu MiB: not a kvmnetctl bench --json document\n",
			file, BENCH_JSON_MAX >> 20);
	else if (r < 0)
		fprintf(stderr, "kvmnetctl bench: --compare %s: %s\n", file, strerror(-r));
	return r;
}

int bench_compare_main(char *const files[], size_t n_files, const BenchOpts *o)
{
	BenchSeries *s = NULL;
	double *change = NULL;
	size_t n = 0;
	int rc = EXIT_FAILED;

	for (size_t i = 0; i < n_files; i++)
		if (read_one(files[i], &s, &n) < 0)
			goto out;
	change = calloc(n, sizeof(double));
	if (!change || bench_compare_labels(s, n) < 0) {
		fprintf(stderr, "kvmnetctl bench: %s\n", strerror(ENOMEM));
		goto out;
	}
	bench_compare_changes(s, n, change);
	rc = bench_output(s, n, change, files, n_files, o);
out:
	free(change);
	bench_series_free(s, n);
	return rc;
}
