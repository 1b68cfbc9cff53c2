/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl vm team: make a virtio NIC the persistent member of a failover
 * pair in the persistent definition (core/team.c decides, the XML edit is
 * virt/domain-edit.c's), so that kvmnetd's VF can join it as the transient
 * member and come and go without the guest losing its network. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/team.h"
#include "vm-common.h"

static void team_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl vm team DOMAIN [--iface MAC|ALIAS] [--remove] [--dry-run]\n"
		"\n"
		"Make a virtio NIC of DOMAIN's persistent definition the persistent member of a\n"
		"failover pair: <teaming type='persistent'/> and a user alias (ua-kvmnet-MAC\n"
		"unless it has a ua- alias already).  kvmnetd then attaches its VF as the\n"
		"transient member (<teaming type='transient' persistent='ALIAS'/>) with the\n"
		"same MAC, so the VF can be added and removed, and the domain live-migrated,\n"
		"without the guest losing its network.  Shows the XML diff first.\n"
		"\n"
		"The guest needs the net_failover driver (virtio_net's failover feature, Linux\n"
		"4.18 or later).  The change takes effect when the domain is next started.\n"
		"\n"
		"Options:\n"
		"  -i, --iface MAC|ALIAS  the interface (default: the one already teamed, else\n"
		"                         the first virtio NIC)\n"
		"  -r, --remove           undo: drop <teaming> and the ua-kvmnet- alias\n"
		"  -n, --dry-run          show the diff only; change nothing\n"
		"  -h, --help             this help\n");
}

static void print_notes(const DomainDef *d, const TeamPlan *p, bool remove, bool running)
{
	const DomainIface *i = &d->ifaces[p->index];
	const char *mac = i->mac ? i->mac : "?";

	if (remove)
		printf("Interface %s: no failover member; kvmnetd's VFs for %s come unpaired.\n", mac, d->name);
	else
		printf("Interface %s: the persistent member of a failover pair (alias %s).\n"
		       "kvmnetd attaches its VF as the transient member, with the same MAC.\n"
		       "The guest needs the net_failover driver (virtio_net's failover feature, Linux 4.18 or later).\n",
		       mac, p->alias);
	printf("This takes effect when %s is next started.\n", d->name);
	if (running)
		printf("%s is running: shut it down and start it; a reboot inside the guest is not enough.\n", d->name);
}

static int team_run(const char *name, const char *iface, bool remove, bool dry_run)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	_cleanup_free_ char *new = NULL, *diff = NULL, *err = NULL;
	_cleanup_(team_plan_done) TeamPlan p = {};
	const DomainDef *d;
	VmJob *v;
	int r;

	if (vm_job_new("vm team", name, dry_run ? VIRT_CONN_READ_ONLY : 0, VIR_DOMAIN_XML_INACTIVE, &j, &v) < 0 ||
	    cli_virt_step("vm team", j, vm_step_get, false, "nothing changed") < 0)
		return EXIT_FAILED;
	d = v->def;
	r = team_plan(d, iface, remove, &p, &err);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl vm team: %s\n", err ? err : strerror(-r));
		return r == -ENOENT ? EXIT_USAGE : EXIT_FAILED;
	}
	if (!p.changes) {
		if (remove)
			printf("%s: no interface is the persistent member of a failover pair; nothing to undo.\n",
			       d->name);
		else
			printf("%s: interface %s is already the persistent member of a failover pair (alias %s).\n",
			       d->name, d->ifaces[p.index].mac, p.alias);
		return EXIT_OK;
	}
	if (cli_edit_diff("vm team", d->name, v->xml, &p.edit, 1, &new, &diff) < 0)
		return EXIT_FAILED;
	fputs(diff, stdout);
	if (!dry_run) {
		v->new_xml = TAKE_PTR(new);
		if (vm_define("vm team", j, v) < 0)
			return EXIT_FAILED;
		printf("Defined %s.\n", d->name);
	}
	print_notes(d, &p, remove, v->running == 1);
	return EXIT_OK;
}

int cmd_vm_team(int argc, char **argv)
{
	static const struct option options[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "remove", no_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *iface = NULL;
	bool remove = false, dry_run = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "i:rnh", options, NULL)) >= 0)
		switch (opt) {
		case 'i':
			if (isempty(optarg))
				return cli_usage_error("vm team", "--iface: expected a MAC or an alias");
			iface = optarg;
			break;
		case 'r':
			remove = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'h':
			team_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vm team", "unknown option");
		}
	if (optind + 1 != argc)
		return cli_usage_error("vm team", "expected one DOMAIN");
	return team_run(argv[optind], iface, remove, dry_run);
}
