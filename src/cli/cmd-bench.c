/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl bench: options and the network namespace mode, iperf3 between
 * two namespaces joined by veth, a bridge or macvlan, N runs per path and
 * protocol, with statistics.  VM ends are bench-vm.c, --compare
 * bench-compare.c, the client loop and output bench-common.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "bench-net.h"
#include "bench.h"
#include "commands.h"
#include "measure/bench-report.h"
#include "measure/bench-stats.h"
#include "spawn.h"

static void bench_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl bench [--path P]... [OPTIONS]\n"
		"       kvmnetctl bench --from EP --to EP [--label TEXT] [OPTIONS]\n"
		"       kvmnetctl bench --compare FILE.json... [--json] [--svg FILE]\n"
		"\n"
		"Measure iperf3 throughput: between two network namespaces this command\n"
		"creates (192.0.2.1 and 192.0.2.2, nothing leaves them) and deletes again;\n"
		"or from EP (the iperf3 client, the sender) to EP (the iperf3 server, the\n"
		"receiver), where EP is host, vm:DOMAIN or vm:DOMAIN@IPV4.  In a VM,\n"
		"iperf3 runs through the QEMU guest agent; vm:DOMAIN takes the guest's\n"
		"first global IPv4 address.  --compare puts earlier --json results side\n"
		"by side with the change of each mean: the before and after.\n"
		"\n"
		"Options:\n"
		"  -p, --path P         veth, bridge or macvlan; repeat for several (default all)\n"
		"      --from EP        the sending end: host, vm:DOMAIN or vm:DOMAIN@IPV4\n"
		"      --to EP          the receiving end, likewise (not host to host)\n"
		"      --label TEXT     name the results (default FROM->TO, or the path)\n"
		"  -P, --proto P        tcp, udp or both (default both)\n"
		"  -r, --runs N         runs per path and protocol, 1-%d (default 5)\n"
		"  -t, --time SECONDS   length of each run, 1-600 (default 5)\n"
		"  -b, --udp-bitrate R  iperf3 -b for UDP (default 0: as fast as it goes)\n"
		"      --compare        the arguments are FILE.json from earlier --json runs\n"
		"      --json           JSON instead of the table\n"
		"      --svg FILE       also write a bar chart (mean, min-max whisker)\n"
		"  -h, --help           this help\n"
		"\n"
		"Namespaces need root; VM ends need iperf3 and qemu-guest-agent in the\n"
		"guest and a libvirt connection (-c URI) that may run agent commands.\n"
		"Ctrl-C stops the run and cleans up; a second Ctrl-C exits at once.\n",
		BENCH_MAX_RUNS);
}

static void on_signal(int sig)
{
	spawn_interrupted = 1;
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
	char *prefix[] = { "ip", "netns", "exec", n.ns[0], NULL };
	BenchRunner runner = { bench_run_host, prefix, bench_host_server_gone, &server, BENCH_HOST_CONNECT_MS,
			       BENCH_HOST_SLACK_MS };

	r = spawn_background(srv, &server);
	for (unsigned k = 0; r >= 0 && k < o->runs; k++) {
		if (o->tcp && (r = bench_client(&runner, BENCH_ADDR_B, NULL, o, false, &tcp->bps[k], &tcp->lost_pct[k],
						 &err)) >= 0)
			tcp->n++;
		if (r >= 0 && o->udp &&
		    (r = bench_client(&runner, BENCH_ADDR_B, NULL, o, true, &udp->bps[k], &udp->lost_pct[k], &err)) >= 0)
			udp->n++;
	}
	if (r < 0 && r != -EINTR)
		fprintf(stderr, "kvmnetctl bench: %s: %s\n", bench_path_to_string(p), err ? err : strerror(-r));
	spawn_stop(server, 2000);
	bench_net_down(&n);
	return r;
}

/* "veth", or "TEXT/veth" with --label TEXT. */
static int series_for(BenchSeries *s, BenchPath p, const char *proto, const BenchOpts *o)
{
	_cleanup_free_ char *label = NULL;
	const char *path = bench_path_to_string(p);

	if (o->label && asprintf(&label, "%s/%s", o->label, path) < 0)
		return -ENOMEM;
	return bench_series_init(s, label ? label : path, "netns:a", "netns:b", path, proto, o->seconds);
}

static int netns_main(const BenchOpts *o)
{
	BenchSeries s[2 * _BENCH_PATH_MAX] = {};
	size_t n = 0;
	int r = 0, rc = EXIT_FAILED;

	if (geteuid() != 0) {
		fprintf(stderr, "kvmnetctl bench: needs root to create network namespaces\n");
		return EXIT_FAILED;
	}
	for (int p = 0; p < _BENCH_PATH_MAX && r >= 0; p++) {
		BenchSeries dummy = {}, *tcp = &dummy, *udp = &dummy;

		if (!o->paths[p])
			continue;
		if ((o->tcp && (r = series_for(tcp = &s[n++], p, "tcp", o)) < 0) ||
		    (o->udp && (r = series_for(udp = &s[n++], p, "udp", o)) < 0))
			break;
		r = bench_path(p, o, tcp, udp);
	}
	if (r == -EINTR || spawn_interrupted)
		fprintf(stderr, "kvmnetctl bench: interrupted; namespaces and iperf3 removed\n");
	else if (r == -ENOMEM)
		fprintf(stderr, "kvmnetctl bench: %s\n", strerror(ENOMEM));
	else if (r >= 0)
		rc = bench_output(s, n, NULL, NULL, 0, o);
	for (size_t i = 0; i < n; i++)
		bench_series_done(&s[i]);
	return rc;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int parse_one(int c, const char *arg, BenchOpts *o)
{
	BenchPath p;

	switch (c) {
	case 'p':
		if (bench_path_from_string(arg, &p) < 0)
			return cli_usage_error("bench", "--path '%s': expected veth, bridge or macvlan", arg);
		o->paths[p] = o->any_path = true;
		return -1;
	case 'P':
		o->tcp = streq(arg, "tcp") || streq(arg, "both");
		o->udp = streq(arg, "udp") || streq(arg, "both");
		if (!o->tcp && !o->udp)
			return cli_usage_error("bench", "--proto '%s': expected tcp, udp or both", arg);
		return -1;
	case 'r':
		if (parse_u32(arg, &o->runs) < 0 || o->runs < 1 || o->runs > BENCH_MAX_RUNS)
			return cli_usage_error("bench", "--runs '%s': expected 1 to %d", arg, BENCH_MAX_RUNS);
		return -1;
	case 't':
		if (parse_u32(arg, &o->seconds) < 0 || o->seconds < 1 || o->seconds > 600)
			return cli_usage_error("bench", "--time '%s': expected 1 to 600 seconds", arg);
		return -1;
	case 'b':
		if (isempty(arg) || strspn(arg, "0123456789.KMGkmg") != strlen(arg))
			return cli_usage_error("bench", "--udp-bitrate '%s': expected a rate like 0, 500M or 2G", arg);
		o->udp_bitrate = arg;
		return -1;
	case 'l':
		if (isempty(arg) || strlen(arg) > BENCH_LABEL_MAX || !printable(arg))
			return cli_usage_error("bench", "--label: expected 1 to %d printable characters", BENCH_LABEL_MAX);
		o->label = arg;
		return -1;
	default:
		return cli_usage_error("bench", "unknown option");
	}
}

/* Which mode, and options that do not belong to it. */
static int check_mode(int nargs, const BenchOpts *o, bool measure_opts)
{
	if (o->compare) {
		if (o->from || o->to || o->any_path || o->label || measure_opts)
			return cli_usage_error("bench", "--compare takes JSON files and only --json and --svg");
		if (nargs == 0)
			return cli_usage_error("bench", "--compare: expected one or more FILE.json");
		return -1;
	}
	if (nargs > 0)
		return cli_usage_error("bench", "unexpected argument");
	if (!o->from != !o->to)
		return cli_usage_error("bench", "%s without %s: give both ends", o->from ? "--from" : "--to",
				       o->from ? "--to" : "--from");
	if (o->from && o->any_path)
		return cli_usage_error("bench", "--path is for network namespaces; it does not go with --from/--to");
	return -1;
}

static int parse_opts(int argc, char **argv, BenchOpts *o)
{
	static const struct option options[] = {
		{ "path", required_argument, NULL, 'p' },	{ "proto", required_argument, NULL, 'P' },
		{ "runs", required_argument, NULL, 'r' },	{ "time", required_argument, NULL, 't' },
		{ "udp-bitrate", required_argument, NULL, 'b' }, { "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' },	{ "help", no_argument, NULL, 'h' },
		{ "from", required_argument, NULL, 'F' },	{ "to", required_argument, NULL, 'T' },
		{ "label", required_argument, NULL, 'l' },	{ "compare", no_argument, NULL, 'C' },
		{},
	};
	bool measure_opts = false;
	int c, rc;

	*o = (BenchOpts){ .tcp = true, .udp = true, .runs = 5, .seconds = 5, .udp_bitrate = "0" };
	while ((c = getopt_long(argc, argv, "p:P:r:t:b:h", options, NULL)) >= 0)
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->svg = optarg;
			break;
		case 'F':
			o->from = optarg;
			break;
		case 'T':
			o->to = optarg;
			break;
		case 'C':
			o->compare = true;
			break;
		case 'h':
			bench_help(stdout);
			return EXIT_OK;
		default:
			measure_opts |= strchr("Prtb", c) != NULL;
			if ((rc = parse_one(c, optarg, o)) >= 0)
				return rc;
		}
	if (optind < argc && !o->compare)
		return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
	if ((rc = check_mode(argc - optind, o, measure_opts)) >= 0)
		return rc;
	for (int i = 0; i < _BENCH_PATH_MAX && !o->any_path; i++)
		o->paths[i] = true;
	return -1; /* go on */
}

int cmd_bench(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND }, old_int, old_term;
	BenchOpts o;
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.compare)
		return bench_compare_main(argv + optind, (size_t)(argc - optind), &o);
	/* No SA_RESTART: a Ctrl-C must end the waits, then we clean up.
	 * SA_RESETHAND: a call that does not return on EINTR (libvirt retries
	 * its poll) leaves the operator a second Ctrl-C that ends us. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = o.from ? bench_vm_main(&o) : netns_main(&o);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}
