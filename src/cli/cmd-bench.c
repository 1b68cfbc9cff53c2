/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl bench: iperf3 between two network namespaces joined by veth,
 * a bridge or macvlan, N runs per path and protocol, with statistics. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "bench-net.h"
#include "commands.h"
#include "core/bench-stats.h"
#include "spawn.h"

typedef struct BenchOpts {
	bool paths[_BENCH_PATH_MAX];
	bool tcp, udp;
	unsigned runs, seconds;
	const char *udp_bitrate;
	bool json;
	const char *svg;
} BenchOpts;

static void bench_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl bench [OPTIONS]\n"
		"\n"
		"Measure iperf3 throughput between two network namespaces this command\n"
		"creates (192.0.2.1 and 192.0.2.2, nothing leaves them) and deletes again.\n"
		"\n"
		"Options:\n"
		"  -p, --path P         veth, bridge or macvlan; repeat for several (default all)\n"
		"  -P, --proto P        tcp, udp or both (default both)\n"
		"  -r, --runs N         runs per path and protocol, 1-%d (default 5)\n"
		"  -t, --time SECONDS   length of each run, 1-600 (default 5)\n"
		"  -b, --udp-bitrate R  iperf3 -b for UDP (default 0: as fast as it goes)\n"
		"      --json           JSON instead of the table\n"
		"      --svg FILE       also write a bar chart (mean, min-max whisker)\n"
		"  -h, --help           this help\n"
		"\n"
		"Needs root and iperf3.  Ctrl-C stops the run and cleans up.\n",
		BENCH_MAX_RUNS);
}

static void on_signal(int sig)
{
	spawn_interrupted = 1;
}

/* One iperf3 client run; retried while the server is still starting. */
static int client_run(const BenchNet *n, const BenchOpts *o, bool udp, double *ret_bps, double *ret_lost)
{
	char t[16], *argv[16] = { "ip", "netns", "exec", (char *)n->ns[0], "iperf3", "-c", BENCH_ADDR_B, "-J",
				  "-t", t, "--connect-timeout", "1000" };
	int k = 12, r = -EIO;

	snprintf(t, sizeof(t), "%u", o->seconds);
	if (udp) {
		argv[k++] = "-u";
		argv[k++] = "-b";
		argv[k++] = (char *)o->udp_bitrate;
	}
	for (int attempt = 0; attempt < 30 && !spawn_interrupted; attempt++) {
		_cleanup_free_ char *out = NULL;
		json_object *j, *sum, *v;

		r = spawn_run(argv, ((int)o->seconds + 15) * 1000, &out, NULL);
		if (r < 0)
			return r;
		j = json_tokener_parse(out);
		if (r == 0 && j && json_object_object_get_ex(j, "end", &v) &&
		    json_object_object_get_ex(v, "sum_received", &sum) &&
		    json_object_object_get_ex(sum, "bits_per_second", &v)) {
			*ret_bps = json_object_get_double(v);
			*ret_lost = json_object_object_get_ex(sum, "lost_percent", &v) ? json_object_get_double(v) : 0;
			json_object_put(j);
			return 0;
		}
		json_object_put(j);
		usleep(100000); /* server not listening yet */
		r = -ECONNREFUSED;
	}
	return spawn_interrupted ? -EINTR : r;
}

static int bench_path(BenchPath p, const BenchOpts *o, BenchSeries *tcp, BenchSeries *udp)
{
	_cleanup_free_ char *err = NULL;
	BenchNet n;
	pid_t server = -1;
	int r;

	r = bench_net_up(p, &n, &err);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl bench: %s: %s\n", bench_path_to_string(p), err ? err : strerror(-r));
		return r;
	}
	char *srv[] = { "ip", "netns", "exec", n.ns[1], "iperf3", "-s", "-B", BENCH_ADDR_B, "--idle-timeout", "60", NULL };
	r = spawn_background(srv, &server);
	for (unsigned k = 0; r >= 0 && k < o->runs; k++) {
		if (o->tcp && (r = client_run(&n, o, false, &tcp->bps[k], &tcp->lost_pct[k])) >= 0)
			tcp->n++;
		if (r >= 0 && o->udp && (r = client_run(&n, o, true, &udp->bps[k], &udp->lost_pct[k])) >= 0)
			udp->n++;
	}
	if (r < 0 && r != -EINTR)
		fprintf(stderr, "kvmnetctl bench: %s: iperf3 failed: %s\n", bench_path_to_string(p), strerror(-r));
	spawn_stop(server, 2000);
	bench_net_down(&n);
	return r;
}

static void print_table(const BenchSeries *s, size_t n, const BenchOpts *o)
{
	printf("iperf3, %u runs of %u s per path and protocol; Gbit/s received\n", o->runs, o->seconds);
	printf("%-8s %-5s %4s %8s %8s %8s %8s %7s\n", "PATH", "PROTO", "RUNS", "MEAN", "MIN", "MAX", "STDDEV", "LOST%");
	for (size_t i = 0; i < n; i++) {
		BenchStats st, lost;

		if (bench_stats(s[i].bps, s[i].n, &st) < 0)
			continue;
		printf("%-8s %-5s %4zu %8.2f %8.2f %8.2f %8.2f", s[i].path, s[i].proto, s[i].n, st.mean / 1e9,
		       st.min / 1e9, st.max / 1e9, st.stddev / 1e9);
		if (streq(s[i].proto, "udp") && bench_stats(s[i].lost_pct, s[i].n, &lost) >= 0)
			printf(" %7.2f\n", lost.mean);
		else
			printf(" %7s\n", "-");
	}
}

static void print_json(const BenchSeries *s, size_t n, const BenchOpts *o)
{
	json_object *root = json_object_new_object(), *res = json_object_new_array();

	json_object_object_add(root, "runs", json_object_new_int((int)o->runs));
	json_object_object_add(root, "seconds", json_object_new_int((int)o->seconds));
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_new_object(), *v = json_object_new_array();
		BenchStats st;

		if (bench_stats(s[i].bps, s[i].n, &st) < 0)
			continue;
		json_object_object_add(j, "path", json_object_new_string(s[i].path));
		json_object_object_add(j, "proto", json_object_new_string(s[i].proto));
		for (size_t k = 0; k < s[i].n; k++)
			json_object_array_add(v, json_object_new_double(s[i].bps[k]));
		json_object_object_add(j, "bps", v);
		json_object_object_add(j, "mean_bps", json_object_new_double(st.mean));
		json_object_object_add(j, "min_bps", json_object_new_double(st.min));
		json_object_object_add(j, "max_bps", json_object_new_double(st.max));
		json_object_object_add(j, "stddev_bps", json_object_new_double(st.stddev));
		if (streq(s[i].proto, "udp") && bench_stats(s[i].lost_pct, s[i].n, &st) >= 0)
			json_object_object_add(j, "lost_percent_mean", json_object_new_double(st.mean));
		json_object_array_add(res, j);
	}
	json_object_object_add(root, "results", res);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
}

static int write_svg(const BenchSeries *s, size_t n, const char *file)
{
	_cleanup_free_ char *svg = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	int r = bench_svg(s, n, "kvmnetctl bench: iperf3 mean Gbit/s (whisker: min-max)", &svg);

	if (r < 0)
		return r;
	f = fopen(file, "we");
	if (!f || fputs(svg, f) < 0 || fflush(f) != 0)
		return -errno;
	return 0;
}

static int parse_opts(int argc, char **argv, BenchOpts *o)
{
	static const struct option options[] = {
		{ "path", required_argument, NULL, 'p' }, { "proto", required_argument, NULL, 'P' },
		{ "runs", required_argument, NULL, 'r' }, { "time", required_argument, NULL, 't' },
		{ "udp-bitrate", required_argument, NULL, 'b' }, { "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{},
	};
	bool any_path = false;
	BenchPath p;
	int c;

	*o = (BenchOpts){ .tcp = true, .udp = true, .runs = 5, .seconds = 5, .udp_bitrate = "0" };
	while ((c = getopt_long(argc, argv, "p:P:r:t:b:h", options, NULL)) >= 0)
		switch (c) {
		case 'p':
			if (bench_path_from_string(optarg, &p) < 0)
				return cli_usage_error("bench", "--path '%s': expected veth, bridge or macvlan", optarg);
			o->paths[p] = any_path = true;
			break;
		case 'P':
			o->tcp = streq(optarg, "tcp") || streq(optarg, "both");
			o->udp = streq(optarg, "udp") || streq(optarg, "both");
			if (!o->tcp && !o->udp)
				return cli_usage_error("bench", "--proto '%s': expected tcp, udp or both", optarg);
			break;
		case 'r':
			if (parse_u32(optarg, &o->runs) < 0 || o->runs < 1 || o->runs > BENCH_MAX_RUNS)
				return cli_usage_error("bench", "--runs '%s': expected 1 to %d", optarg, BENCH_MAX_RUNS);
			break;
		case 't':
			if (parse_u32(optarg, &o->seconds) < 0 || o->seconds < 1 || o->seconds > 600)
				return cli_usage_error("bench", "--time '%s': expected 1 to 600 seconds", optarg);
			break;
		case 'b':
			if (isempty(optarg) || strspn(optarg, "0123456789.KMGkmg") != strlen(optarg))
				return cli_usage_error("bench", "--udp-bitrate '%s': expected a rate like 0, 500M or 2G", optarg);
			o->udp_bitrate = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->svg = optarg;
			break;
		case 'h':
			bench_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("bench", "unknown option");
		}
	if (optind != argc)
		return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
	for (int i = 0; i < _BENCH_PATH_MAX && !any_path; i++)
		o->paths[i] = true;
	return -1; /* go on */
}

int cmd_bench(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	BenchSeries s[2 * _BENCH_PATH_MAX];
	size_t n = 0;
	BenchOpts o;
	int r = 0, rc;

	rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (geteuid() != 0) {
		fprintf(stderr, "kvmnetctl bench: needs root to create network namespaces\n");
		return EXIT_FAILED;
	}
	/* No SA_RESTART: a Ctrl-C must end the waits, then we clean up. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	memset(s, 0, sizeof(s));
	for (int p = 0; p < _BENCH_PATH_MAX && r >= 0; p++) {
		if (!o.paths[p])
			continue;
		BenchSeries *tcp = o.tcp ? &s[n++] : NULL, *udp = o.udp ? &s[n++] : NULL;
		if (tcp)
			*tcp = (BenchSeries){ .path = bench_path_to_string(p), .proto = "tcp" };
		if (udp)
			*udp = (BenchSeries){ .path = bench_path_to_string(p), .proto = "udp" };
		BenchSeries dummy = {};
		r = bench_path(p, &o, tcp ? tcp : &dummy, udp ? udp : &dummy);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r == -EINTR || spawn_interrupted) {
		fprintf(stderr, "kvmnetctl bench: interrupted; namespaces and iperf3 removed\n");
		return EXIT_FAILED;
	}
	if (r < 0)
		return EXIT_FAILED;
	if (o.json)
		print_json(s, n, &o);
	else
		print_table(s, n, &o);
	if (o.svg && (r = write_svg(s, n, o.svg)) < 0) {
		fprintf(stderr, "kvmnetctl bench: --svg %s: %s\n", o.svg, strerror(-r));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
