/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl vm apply: write `vm advise`'s changes into the persistent
 * definition with virDomainDefineXML(), after showing the XML diff. */
#include <getopt.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "model/domain-edit.h"
#include "vm-common.h"

static void apply_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl vm apply DOMAIN [OPTIONS]\n"
		"\n"
		"Change the persistent definition of DOMAIN as 'kvmnetctl vm advise' recommends\n"
		"(model, vhost or QEMU backend, queues), showing the XML diff first.  A running\n"
		"domain takes the new path when it is next started: libvirt cannot change\n"
		"these live.  VFs are left to kvmnetd and 'kvmnetctl vm team'.\n"
		"\n"
		"Options:\n"
		"  -w, --workload W   throughput (default), latency or udp-to-guest\n"
		"  -n, --dry-run      show the diff only; change nothing\n"
		"  -h, --help         this help\n");
}

/* The edits the advice asks for; *ret_n may be 0. */
static int build_edits(const DomainDef *d, const DomainAdvice *a, IfaceEdit **ret, size_t *ret_n)
{
	IfaceEdit *e = calloc(a->n + 1, sizeof(IfaceEdit));
	size_t n = 0;

	if (!e)
		return -ENOMEM;
	for (size_t k = 0; k < a->n; k++) {
		const IfaceAdvice *x = &a->ifaces[k];

		if (!x->changes)
			continue;
		e[n++] = (IfaceEdit){
			.index = x->index,
			.mac = d->ifaces[x->index].mac,
			.model = x->model,
			.driver_name = x->driver_name,
			.queues = x->queues,
			/* vhost and queues are virtio-only in libvirt. */
			.drop_driver = x->model && !streq(x->model, "virtio"),
		};
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

/* The new XML and the diff from the old; *ret_diff is "" for no change. */
static int plan(const char *name, const char *xml, Workload w, char **ret_xml, char **ret_diff, DomainAdvice **ret_a,
		DomainDef **ret_d)
{
	_cleanup_domain_def_ DomainDef *d = NULL;
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	_cleanup_free_ IfaceEdit *edits = NULL;
	_cleanup_free_ char *err = NULL;
	size_t n_edits;
	HostFacts h;
	int r;

	cli_host_facts(false, &h);
	if ((r = domain_xml_parse(xml, strlen(xml), &d, &err)) < 0 || (r = advise_domain(d, &h, w, &a)) < 0 ||
	    (r = build_edits(d, a, &edits, &n_edits)) < 0) {
		fprintf(stderr, "kvmnetctl vm apply: %s: %s\n", name, err ? err : strerror(-r));
		return r;
	}
	r = cli_edit_diff("vm apply", name, xml, edits, n_edits, ret_xml, ret_diff);
	if (r < 0)
		return r;
	*ret_a = TAKE_PTR(a);
	*ret_d = TAKE_PTR(d);
	return 0;
}

static void print_after(const DomainDef *d, const DomainAdvice *a, bool running)
{
	if (running)
		printf("%s is running: it takes the new path when shut down and started again "
		       "(a reboot inside the guest keeps the old one).\n", d->name);
	for (size_t k = 0; k < a->n; k++) {
		const IfaceAdvice *x = &a->ifaces[k];

		if (x->changes && x->guest_command)
			printf("Then in the guest: %s   (IFACE: the guest's NIC with MAC %s)\n", x->guest_command,
			       d->ifaces[x->index].mac ? d->ifaces[x->index].mac : "?");
	}
}

static int apply_run(const char *name, Workload w, bool dry_run)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	_cleanup_domain_def_ DomainDef *d = NULL;
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	_cleanup_free_ char *new = NULL, *diff = NULL;
	bool running;
	VmJob *v;

	if (vm_job_new("vm apply", name, dry_run ? VIRT_CONN_READ_ONLY : 0, VIR_DOMAIN_XML_INACTIVE, &j, &v) < 0 ||
	    cli_virt_step("vm apply", j, vm_step_get, false, "nothing changed") < 0)
		return EXIT_FAILED;
	running = v->running == 1;
	if (plan(v->def->name, v->xml, w, &new, &diff, &a, &d) < 0)
		return EXIT_FAILED;
	if (isempty(diff)) {
		printf("%s: nothing to change for workload %s.\n", d->name, workload_to_string(w));
		return EXIT_OK;
	}
	fputs(diff, stdout);
	if (dry_run)
		return EXIT_OK;
	v->new_xml = TAKE_PTR(new);
	if (vm_define("vm apply", j, v) < 0)
		return EXIT_FAILED;
	printf("Defined %s.\n", d->name);
	print_after(d, a, running);
	return EXIT_OK;
}

int cmd_vm_apply(int argc, char **argv)
{
	static const struct option options[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	Workload w = WORKLOAD_THROUGHPUT;
	bool dry_run = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "w:nh", options, NULL)) >= 0)
		switch (opt) {
		case 'w':
			if (workload_from_string(optarg, &w) < 0)
				return cli_usage_error("vm apply", "--workload '%s': expected throughput, latency or "
								   "udp-to-guest", optarg);
			break;
		case 'n':
			dry_run = true;
			break;
		case 'h':
			apply_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vm apply", "unknown option");
		}
	if (optind + 1 != argc)
		return cli_usage_error("vm apply", "expected one DOMAIN");
	return apply_run(argv[optind], w, dry_run);
}
