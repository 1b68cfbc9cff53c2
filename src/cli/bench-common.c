/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl bench: the iperf3 client loop, the host runner and the output,
 * shared by the namespace, VM and --compare modes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/replace-file.h"
#include "basic/string-util.h"
#include "bench.h"
#include "commands.h"
#include "measure/bench-report.h"
#include "measure/iperf3-json.h"
#include "spawn.h"

static void set_error(char **ret_error, const char *prefix, const char *text)
{
	free(*ret_error);
	if (asprintf(ret_error, "%s%s", prefix, text ? text : "?") < 0)
		*ret_error = NULL;
}

/* One attempt: 0 done, 1 try again (not connected yet), < 0 failed. */
static int attempt(const BenchRunner *r, char *const argv[], const BenchOpts *o, bool udp, double *bps,
		   double *lost, char **ret_error)
{
	_cleanup_free_ char *out = NULL, *err = NULL, *msg = NULL;
	int st = r->run(r->u, argv, (int)o->seconds * 1000 + r->slack_ms, &out, &err);

	if (st < 0) {
		free(*ret_error);
		*ret_error = TAKE_PTR(err);
		return st;
	}
	st = iperf3_json_parse(out, strlen(out), udp, bps, lost, &msg);
	if (st == 0)
		return 0;
	/* iperf3 -J puts its errors into the document; "unable to connect"
	 * (refused, or the 1 s connect timeout) means not listening yet. */
	if (st == -EREMOTEIO && msg && strstr(msg, "unable to connect")) {
		set_error(ret_error, "iperf3: ", msg);
		return 1;
	}
	if (st == -EREMOTEIO)
		set_error(ret_error, "iperf3: ", msg);
	else if (!isempty(first_line(err)))
		set_error(ret_error, "iperf3 failed: ", err);
	else
		set_error(ret_error, "iperf3 printed no result: ", msg);
	return -EIO;
}

int bench_client(const BenchRunner *r, const char *server, const char *bind, const BenchOpts *o, bool udp,
		 double *ret_bps, double *ret_lost, char **ret_error)
{
	char t[16], *argv[16] = { "iperf3", "-c", (char *)server, "-J", "-t", t, "--connect-timeout", "1000" };
	long long deadline = spawn_now_ms() + r->connect_ms;
	_cleanup_free_ char *error = NULL;
	double bps, lost;
	size_t k = 8;
	int st;

	snprintf(t, sizeof(t), "%u", o->seconds);
	if (bind) {
		argv[k++] = "-B";
		argv[k++] = (char *)bind;
	}
	if (udp) {
		argv[k++] = "-u";
		argv[k++] = "-b";
		argv[k++] = (char *)o->udp_bitrate;
	}
	for (;;) {
		st = attempt(r, argv, o, udp, &bps, &lost, &error);
		if (st == 0) {
			*ret_bps = bps;
			*ret_lost = lost;
			return 0;
		}
		if (st == 1 && r->server_gone)
			st = r->server_gone(r->server_u, &error);
		if (st < 0 || spawn_interrupted || spawn_now_ms() >= deadline)
			break;
		usleep(100000);
	}
	*ret_error = TAKE_PTR(error);
	return spawn_interrupted ? -EINTR : st < 0 ? st : -ECONNREFUSED;
}

int bench_run_host(void *u, char *const argv[], int timeout_ms, char **ret_out, char **ret_err)
{
	char *const *prefix = u;
	char *full[32];
	size_t n = 0;
	int st;

	for (size_t i = 0; prefix && prefix[i] && n < ELEMENTSOF(full) - 1; i++)
		full[n++] = prefix[i];
	for (size_t i = 0; argv[i] && n < ELEMENTSOF(full) - 1; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	st = spawn_run(full, timeout_ms, ret_out, ret_err);
	if (st == 127 && isempty(*ret_err)) {
		/* start() could not exec: no such program here. */
		free(*ret_out);
		free(*ret_err);
		*ret_out = NULL;
		*ret_err = strdup("iperf3 is not installed on the host: install iperf3");
		return -ENOENT;
	}
	if (st < 0)
		*ret_err = strdup(st == -EINTR ? "interrupted" : st == -ETIMEDOUT ? "iperf3 took too long and was killed"
										 : strerror(-st));
	return st;
}

int bench_host_server_gone(void *u, char **ret_err)
{
	pid_t *pid = u;
	int st, r;

	if (*pid <= 0)
		return -ESRCH;
	r = spawn_exited(*pid, &st);
	if (r <= 0)
		return r;
	*pid = -1;
	free(*ret_err);
	if (st == 127)
		*ret_err = strdup("iperf3 is not installed on the host: install iperf3");
	else if (asprintf(ret_err, "the iperf3 server on the host exited with status %d (port 5201 in use?)", st) < 0)
		*ret_err = NULL;
	return -ESRCH;
}

static int write_svg(const BenchSeries *s, size_t n, const char *file)
{
	_cleanup_free_ char *svg = NULL;
	int r = bench_svg(s, n, "kvmnetctl bench: iperf3 mean received (whisker: min-max)", &svg);

	/* Often run as root into a shared directory: replace FILE, never
	 * open it (a symlink there would be followed and its target
	 * truncated). */
	return r < 0 ? r : replace_file(file, svg, 0644);
}

int bench_output(const BenchSeries *s, size_t n, const double *change, char *const files[], size_t n_files,
		 const BenchOpts *o)
{
	_cleanup_free_ char *text = NULL, *heading = NULL;
	int r;

	if (o->json && change)
		r = bench_json_compare(s, n, change, files, n_files, &text);
	else if (o->json)
		r = bench_json_run(s, n, o->runs, o->seconds, &text);
	else {
		if (change)
			r = asprintf(&heading, "kvmnetctl bench --compare of %zu files; Gbit/s received; CHANGE: the mean "
					       "against the first row of the same protocol (and path)",
				     n_files);
		else
			r = asprintf(&heading, "iperf3, %u runs of %u s per label and protocol; Gbit/s received", o->runs,
				     o->seconds);
		r = r < 0 ? -ENOMEM : bench_table(s, n, change, heading, &text);
	}
	if (r < 0) {
		fprintf(stderr, "kvmnetctl bench: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	fputs(text, stdout);
	if (o->json)
		fputc('\n', stdout);
	if (o->svg && (r = write_svg(s, n, o->svg)) < 0) {
		fprintf(stderr, "kvmnetctl bench: --svg %s: %s\n", o->svg, strerror(-r));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
