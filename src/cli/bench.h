/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "bench-net.h"
#include "measure/bench-stats.h"

/* The parts of `kvmnetctl bench` shared by its three modes: network
 * namespaces (cmd-bench.c), VM and host ends (bench-vm.c) and --compare
 * (bench-compare.c). */

typedef struct BenchOpts {
	bool paths[_BENCH_PATH_MAX];
	bool any_path;
	bool tcp, udp;
	unsigned runs, seconds;
	const char *udp_bitrate;
	bool json;
	const char *svg;
	const char *label;    /* --label, or NULL */
	const char *from, *to; /* --from/--to as written, or NULL */
	bool compare;          /* --compare: the files are the arguments */
} BenchOpts;

/* How long a client keeps retrying while its server is not yet listening,
 * and how long a run may take beyond its -t: on this host, and in guests,
 * where starting iperf3 through the agent takes seconds, and tens of
 * seconds in a TCG guest inside a TCG guest (the lab). */
#define BENCH_HOST_CONNECT_MS 20000
#define BENCH_HOST_SLACK_MS 15000
#define BENCH_GUEST_CONNECT_MS 60000
#define BENCH_GUEST_SLACK_MS 60000

/* Where an iperf3 client runs.  run() runs argv (argv[0] is "iperf3") to
 * its end, at most -t plus slack_ms: it returns the exit status (>= 0) with
 * iperf3's stdout in *ret_out and stderr in *ret_err, or a negative errno
 * with a message for the operator in *ret_err (iperf3 not installed,
 * -EINTR, -ETIMEDOUT).  server_gone (may be NULL) says, between attempts,
 * whether the server has already ended: 0 while it runs, or a negative
 * errno with the reason in *ret_err. */
typedef struct BenchRunner {
	int (*run)(void *u, char *const argv[], int timeout_ms, char **ret_out, char **ret_err);
	void *u;
	int (*server_gone)(void *u, char **ret_err);
	void *server_u;
	int connect_ms, slack_ms; /* BENCH_HOST_* or BENCH_GUEST_* */
} BenchRunner;

/* One `iperf3 -c SERVER -J -t S [-B BIND] [-u -b R]` run through r, retried
 * for r->connect_ms while iperf3 cannot connect.  0 with the
 * received rate and UDP loss; a negative errno with the reason in
 * *ret_error (iperf3's own error text where it gave one). */
int bench_client(const BenchRunner *r, const char *server, const char *bind, const BenchOpts *o, bool udp,
		 double *ret_bps, double *ret_lost, char **ret_error);

/* A runner on this host: u is a NULL-terminated argv prefix put before
 * iperf3's ("ip", "netns", "exec", NS) or NULL. */
int bench_run_host(void *u, char *const argv[], int timeout_ms, char **ret_out, char **ret_err);
/* server_gone for an iperf3 server started here with spawn_background();
 * u points to its pid_t, set to -1 once it is reaped. */
int bench_host_server_gone(void *u, char **ret_err);

/* The table, JSON and SVG of series s[0..n) (change: NULL, or --compare's
 * changes; files: --compare's inputs).  Returns an exit status. */
int bench_output(const BenchSeries *s, size_t n, const double *change, char *const files[], size_t n_files,
		 const BenchOpts *o);

/* VM and host ends: --from/--to.  Returns an exit status. */
int bench_vm_main(const BenchOpts *o);
/* --compare FILE...  Returns an exit status. */
int bench_compare_main(char *const files[], size_t n, const BenchOpts *o);
