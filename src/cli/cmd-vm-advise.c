/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl vm advise: core/advise.c on a domain's persistent definition,
 * which is what `vm apply` would change. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "basic/strv.h"
#include "commands.h"
#include "virt/domains.h"
#include "vm-common.h"
#include "vm-numa.h"

static void advise_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl vm advise DOMAIN|--all [OPTIONS]\n"
		"\n"
		"Recommend a network path for each interface of a domain's persistent\n"
		"definition, with the reason and the guest command to run afterwards.  The\n"
		"host facts: /dev/vhost-net, the SR-IOV PFs and their free VFs, and whether\n"
		"kvmnetd gives the domain a VF.  A last line names the domain's NUMA node\n"
		"and, when kvmnetd runs, the node of its VF.\n"
		"\n"
		"Options:\n"
		"  -w, --workload W   throughput (default), latency or udp-to-guest\n"
		"      --vf           assume kvmnetd gives the domain a VF (by default kvmnetd\n"
		"                     is asked over its control socket)\n"
		"  -a, --all          every domain libvirt knows, running or not\n"
		"      --json         JSON (an object; an array with --all)\n"
		"  -h, --help         this help\n");
}

/* "virtio, vhost, 4 queues" for what the advice would write. */
static void format_target(const DomainIface *i, const IfaceAdvice *a, char *buf, size_t size)
{
	const char *model = a->model ? a->model : (i->model ? i->model : "default model");

	if (a->current == NET_PATH_VF || a->current == NET_PATH_OTHER || a->current == NET_PATH_USER)
		snprintf(buf, size, "as is");
	else if (a->driver_name && a->queues > 1)
		snprintf(buf, size, "%s, %s, %u queues", model, a->driver_name, a->queues);
	else if (a->driver_name)
		snprintf(buf, size, "%s, %s, 1 queue", model, a->driver_name);
	else
		snprintf(buf, size, "%s", model);
}

static void print_text(const DomainDef *d, const DomainAdvice *a, const HostFacts *h, Workload w)
{
	printf("%s: workload %s, %u vCPUs, vhost-net %s%s\n", d->name, workload_to_string(w), d->vcpus_current,
	       h->vhost_net ? "available" : "missing", d->n_ifaces ? "" : ", no network interfaces");
	for (size_t k = 0; k < a->n; k++) {
		const IfaceAdvice *x = &a->ifaces[k];
		const DomainIface *i = &d->ifaces[x->index];
		char label[IFACE_LABEL_MAX], target[128];

		format_target(i, x, target, sizeof(target));
		printf("  %s: %s -> %s%s (%s)\n", iface_label(i, k, label), net_path_to_string(x->current),
		       net_path_to_string(x->recommended), x->changes ? "" : ", no change", target);
		printf("    why:  %s\n", x->reason);
		if (x->hint)
			printf("    hint: %s\n", x->hint);
		if (x->guest_command)
			printf("    then in the guest: %s   (IFACE: the guest's NIC with MAC %s)\n", x->guest_command,
			       i->mac ? i->mac : "?");
	}
	if (a->hint)
		printf("  hint: %s\n", a->hint);
}

static json_object *advice_json(const DomainDef *d, const DomainAdvice *a, const HostFacts *h, Workload w)
{
	json_object *o = json_object_new_object(), *ifs = json_object_new_array();

	json_object_object_add(o, "domain", json_object_new_string(d->name));
	json_object_object_add(o, "workload", json_object_new_string(workload_to_string(w)));
	json_object_object_add(o, "vcpus", json_object_new_int((int)d->vcpus_current));
	json_object_object_add(o, "vhost_net", json_object_new_boolean(h->vhost_net));
	if (h->sriov_known) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "pfs", json_object_new_int((int)h->sriov_pfs));
		json_object_object_add(s, "vfs", json_object_new_int((int)h->sriov_vfs));
		json_object_object_add(s, "free_vfs", json_object_new_int((int)h->sriov_free_vfs));
		json_object_object_add(o, "sriov", s);
	} else
		json_object_object_add(o, "sriov", NULL);
	json_object_object_add(o, "kvmnetd_gives_vf", json_object_new_boolean(h->daemon_gives_vf));
	json_object_object_add(o, "kvmnetd_note", h->daemon_note ? json_object_new_string(h->daemon_note) : NULL);
	for (size_t k = 0; k < a->n; k++) {
		const IfaceAdvice *x = &a->ifaces[k];
		const DomainIface *i = &d->ifaces[x->index];
		json_object *j = json_object_new_object();

#define JS(key, v) json_object_object_add(j, (key), (v) ? json_object_new_string(v) : NULL)
		JS("mac", i->mac);
		JS("alias", i->alias);
		JS("current", net_path_to_string(x->current));
		JS("recommended", net_path_to_string(x->recommended));
		json_object_object_add(j, "changes", json_object_new_boolean(x->changes));
		JS("model", x->model);
		JS("driver", x->driver_name);
		json_object_object_add(j, "queues", json_object_new_int((int)x->queues));
		json_object_object_add(j, "want_vf", json_object_new_boolean(x->want_vf));
		JS("reason", x->reason);
		JS("hint", x->hint);
		JS("guest_command", x->guest_command);
#undef JS
		json_object_array_add(ifs, j);
	}
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(o, "hint", a->hint ? json_object_new_string(a->hint) : NULL);
	return o;
}

/* What advise asks libvirt, in one job: the VF holders and the domains'
 * persistent definitions. */
typedef struct AdviseJob {
	const char *name;      /* NULL: every domain */
	PciHolderMap *holders; /* NULL when libvirt could not say */
	char **names;
	DomainDef **defs; /* per name; NULL where errors[] says why */
	char **errors;
} AdviseJob;

static void advise_job_free(void *p)
{
	AdviseJob *a = p;
	size_t n = strv_length(a->names);

	for (size_t i = 0; a->defs && i < n; i++)
		domain_def_free(a->defs[i]);
	for (size_t i = 0; a->errors && i < n; i++)
		free(a->errors[i]);
	free(a->defs);
	free(a->errors);
	strv_free(a->names);
	pci_holders_free(a->holders);
	free(a);
}

static int list_names(virConnectPtr c, AdviseJob *a, char **ret_error)
{
	_cleanup_free_ char *err = NULL;
	int r;

	if (a->name)
		return strv_extend(&a->names, a->name);
	r = virt_domain_names(c, &a->names, &err);
	if (r < 0 && asprintf(ret_error, "cannot list domains: %s", err ? err : strerror(-r)) < 0)
		*ret_error = NULL;
	return r;
}

static int advise_step(virConnectPtr c, void *payload, char **ret_error)
{
	AdviseJob *a = payload;
	size_t n;
	int r;

	/* Free means free of the running domains too: without libvirt's
	 * answer nothing is known to be free. */
	if (virt_pci_holders(c, &a->holders, NULL) < 0)
		a->holders = NULL;
	r = list_names(c, a, ret_error);
	if (r < 0)
		return r;
	n = strv_length(a->names);
	a->defs = calloc(n + 1, sizeof(DomainDef *));
	a->errors = calloc(n + 1, sizeof(char *));
	if (!a->defs || !a->errors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = virt_domain_get(c, a->names[i], VIR_DOMAIN_XML_INACTIVE, &a->defs[i], NULL, NULL, &a->errors[i]);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !a->errors[i] && !(a->errors[i] = strdup(strerror(-r))))
			return -ENOMEM;
	}
	return 0;
}

static int advise_one(const DomainDef *d, Workload w, CliFacts *f, json_object *json_out)
{
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	HostFacts h;
	int r;

	cli_facts_for(f, d, &h);
	r = advise_domain(d, &h, w, &a);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl vm advise: %s: %s\n", d->name, strerror(-r));
		return EXIT_FAILED;
	}
	if (json_out) {
		json_object *o = advice_json(d, a, &h, w);

		vm_numa_json(o, f, d);
		json_object_array_add(json_out, o);
	} else {
		print_text(d, a, &h, w);
		vm_numa_print(f, d);
	}
	return EXIT_OK;
}

static int advise_run(const char *name, bool all, Workload w, bool vf, bool json)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	json_object *out = NULL;
	CliFacts f = {};
	int rc = EXIT_OK;
	AdviseJob *a = calloc(1, sizeof(*a));

	if (!a) {
		fprintf(stderr, "kvmnetctl vm advise: %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	a->name = all ? NULL : name;
	if (cli_virt_job("vm advise", VIRT_CONN_READ_ONLY, a, advise_job_free, &j) < 0 ||
	    cli_virt_step("vm advise", j, advise_step, true, NULL) < 0)
		return EXIT_FAILED;
	out = json ? json_object_new_array() : NULL;
	cli_facts_read(a->holders, vf, &f);
	for (size_t i = 0; a->names[i]; i++) {
		if (a->errors[i]) {
			fprintf(stderr, "kvmnetctl vm advise: %s\n", a->errors[i]);
			rc = EXIT_FAILED;
		} else if (advise_one(a->defs[i], w, &f, out) != EXIT_OK)
			rc = EXIT_FAILED;
	}
	if (out && rc == EXIT_OK) {
		json_object *o = all ? out : json_object_array_get_idx(out, 0);

		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(out);
	cli_facts_done(&f);
	return rc;
}

int cmd_vm_advise(int argc, char **argv)
{
	static const struct option options[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "vf", no_argument, NULL, 'V' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	Workload w = WORKLOAD_THROUGHPUT;
	bool vf = false, all = false, json = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "w:ah", options, NULL)) >= 0)
		switch (opt) {
		case 'w':
			if (workload_from_string(optarg, &w) < 0)
				return cli_usage_error("vm advise", "--workload '%s': expected throughput, latency or "
								    "udp-to-guest", optarg);
			break;
		case 'V':
			vf = true;
			break;
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			advise_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vm advise", "unknown option");
		}
	if (all ? optind != argc : optind + 1 != argc)
		return cli_usage_error("vm advise", "expected one DOMAIN or --all");
	return advise_run(all ? NULL : argv[optind], all, w, vf, json);
}
