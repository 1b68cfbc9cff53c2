/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetctl: a dispatch table in the manner of wg(8); each subcommand lives
 * in a file of its own and parses its own arguments.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "commands.h"
#include "build-config.h"

CliGlobals cli;

static const struct {
	const char *name;
	cmd_fn fn;
	const char *summary;
} commands[] = {
	{ "status", cmd_status, "show NICs, SR-IOV VFs, interrupts and the VMs holding them" },
	{ "check", cmd_check, "report whether this host is ready, with fixes" },
	{ "irq", cmd_irq, "show or pin a NIC's interrupt vectors" },
	{ "tune", cmd_tune, "show, apply or revert the host tuning" },
	{ "sriov", cmd_sriov, "show, create and remove SR-IOV VFs; persist them" },
	{ "vf", cmd_vf, "set a VF's MAC, VLAN, spoofchk, trust, state, rates; bind it" },
	{ "vm", cmd_vm, "each VM interface's network path (show, advise, apply, team); its balloon; migrate" },
	{ "bench", cmd_bench, "iperf3 between VMs, the host or network namespaces; compare runs" },
	{ "hook", cmd_hook, "libvirt's qemu hook: refuses a migration carrying the source host's VF" },
};

static const size_t n_commands = ELEMENTSOF(commands);

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl [OPTIONS] COMMAND [ARGS]...\n"
		"\n"
		"Inspect and tune the network of the VMs on a KVM host.\n"
		"\n"
		"Options:\n"
		"  -c, --connect URI   libvirt URI (default $KVMNET_LIBVIRT_URI or qemu:///system)\n"
		"  -t, --timeout SECS  how long to wait for libvirt in all: seconds, or with a\n"
		"                      unit (500ms, 2m); 0 waits forever (default\n"
		"                      $KVMNET_LIBVIRT_TIMEOUT or 10).  Without an answer in\n"
		"                      time, showing commands show what the host tells without\n"
		"                      libvirt; changing ones change nothing and exit 1\n"
		"  -v, --verbose       log debug messages\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < n_commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Run 'kvmnetctl COMMAND --help' for a command's options.\n"
		"Environment: KVMNET_SYSROOT reads /sys, /proc and /dev below another root.\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kvmnetctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kvmnetctl %s --help'.\n", cmd);
	return EXIT_USAGE;
}

/* "10" (seconds) or a duration with a unit ("500ms", "2m"); "0": no limit. */
static int parse_timeout(const char *s, uint64_t *ret)
{
	uint64_t v;

	if (parse_u64(s, &v) == 0) {
		if (v > UINT64_MAX / 1000000)
			return -ERANGE;
		*ret = v * 1000000;
		return 0;
	}
	return parse_duration_us(s, ret);
}

static int set_timeout(const char *what, const char *s)
{
	if (parse_timeout(s, &cli.libvirt_timeout_us) < 0) {
		fprintf(stderr, "kvmnetctl: %s '%s': expected seconds (10), a duration with a unit (500ms, 2m) "
				"or 0 for no limit\nTry 'kvmnetctl --help'.\n",
			what, s);
		return EXIT_USAGE;
	}
	return 0;
}

/* getopt would take "-1" for the option '1' ("invalid option -- '1'")
 * and lose the argument.  No kvmnetctl argument may be negative, so one
 * that reads as a negative number is refused here, by name; a word right
 * after an option is left to getopt, as that option's value. */
static int refuse_negative(const char *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++) {
		const char *prev = argv[i - 1];

		if (argv[i][0] != '-' || !isdigit((unsigned char)argv[i][1]) || (i > 1 && prev[0] == '-'))
			continue;
		return cli_usage_error(cmd, "'%s'%s%s%s: expected a number of 0 or more, in decimal", argv[i],
				       i > 1 ? " (after '" : "", i > 1 ? prev : "", i > 1 ? "')" : "");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	const char *e = getenv("KVMNET_LIBVIRT_TIMEOUT");
	bool timeout_given = false;
	int c;

	cli.uri = getenv("KVMNET_LIBVIRT_URI");
	if (isempty(cli.uri))
		cli.uri = "qemu:///system";
	cli.libvirt_timeout_us = CLI_LIBVIRT_TIMEOUT_DEFAULT_US;

	/* '+' stops at the subcommand so its own options stay its own. */
	while ((c = getopt_long(argc, argv, "+c:t:vh", options, NULL)) >= 0)
		switch (c) {
		case 'c':
			cli.uri = optarg;
			break;
		case 't':
			if (set_timeout("--timeout", optarg) != 0)
				return EXIT_USAGE;
			timeout_given = true;
			break;
		case 'v':
			log_set_max_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			help(stdout);
			return EXIT_OK;
		case 'V':
			printf("kvmnetctl %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'kvmnetctl --help'.\n");
			return EXIT_USAGE;
		}

	if (!timeout_given && !isempty(e) && set_timeout("$KVMNET_LIBVIRT_TIMEOUT", e) != 0)
		return EXIT_USAGE;
	if (optind >= argc) {
		help(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n_commands; i++)
		if (streq(argv[optind], commands[i].name)) {
			/* Subcommands parse with getopt again from their name. */
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			int r = refuse_negative(commands[i].name, sub_argc, sub_argv);

			if (r != 0)
				return r;
			optind = 0;
			return commands[i].fn(sub_argc, sub_argv);
		}
	fprintf(stderr, "kvmnetctl: unknown command '%s'. Try 'kvmnetctl --help'.\n", argv[optind]);
	return EXIT_USAGE;
}
