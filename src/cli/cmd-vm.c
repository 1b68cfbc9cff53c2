/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl vm show|advise|apply|team: each interface's network path;
 * vm balloon: its memory balloon; vm migrate: a live migration. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "commands.h"
#include "vm-common.h"

static void vm_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl vm COMMAND DOMAIN [OPTIONS]\n"
		"\n"
		"The network path of each interface of a libvirt domain.\n"
		"\n"
		"Commands:\n"
		"  show DOMAIN [--json]      each interface: type, source, model, backend, queues,\n"
		"                            teaming (live XML if running, else the definition)\n"
		"  advise DOMAIN|--all [--workload throughput|latency|udp-to-guest] [--vf] [--json]\n"
		"                            a recommendation per interface with its reason\n"
		"  apply DOMAIN [--workload W] [--dry-run]\n"
		"                            write the advice into the persistent definition,\n"
		"                            showing the XML diff first\n"
		"  team DOMAIN [--iface MAC|ALIAS] [--remove] [--dry-run]\n"
		"                            make a virtio NIC the persistent member of a\n"
		"                            failover pair for kvmnetd's VF\n"
		"  balloon DOMAIN [SIZE] [--json]\n"
		"                            the memory balloon and the guest's statistics;\n"
		"                            with SIZE (KiB, or 512M, 2G...) set it, never\n"
		"                            below the floor it explains\n"
		"  migrate DOMAIN DEST-URI [--migrate-uri URI] [--persistent] [--undefine-source] [--handback-timeout TIME] [--dry-run]\n"
		"                            live-migrate it, its VFs handed back to kvmnetd\n"
		"                            first; the destination's kvmnetd gives its own\n"
		"\n"
		"DOMAIN is a name, a UUID or a numeric id.\n");
}

static json_object *iface_json(const DomainIface *i, const HostFacts *h)
{
	json_object *o = json_object_new_object();
	char buf[PCI_ADDR_STRLEN];

#define JS(k, v) json_object_object_add(o, (k), (v) ? json_object_new_string(v) : NULL)
	JS("type", i->type_name);
	JS("mac", i->mac);
	JS("alias", i->alias);
	JS("model", i->model);
	JS("driver", i->driver_name);
	JS("backend", iface_backend(i, h));
	json_object_object_add(o, "queues", json_object_new_int((int)i->queues));
	JS("path", net_path_to_string(net_path_of(i, h)));
	JS("source_network", i->source_network);
	JS("source_bridge", i->source_bridge);
	JS("source_dev", i->source_dev);
	JS("source_mode", i->source_mode);
	JS("target_dev", i->target_dev);
	JS("pci", i->has_pci_source ? pci_addr_format(&i->pci_source, buf) : NULL);
	JS("teaming", i->teaming != DOMAIN_TEAMING_NONE ? domain_teaming_to_string(i->teaming) : NULL);
	JS("teaming_persistent", i->teaming_persistent);
#undef JS
	json_object *tags = json_object_new_array();
	for (size_t t = 0; t < i->n_vlan_tags; t++)
		json_object_array_add(tags, json_object_new_int((int)i->vlan_tags[t]));
	json_object_object_add(o, "vlan_tags", tags);
	return o;
}

static int show_json(const DomainDef *d, const HostFacts *h)
{
	json_object *o = json_object_new_object(), *ifs = json_object_new_array();

	json_object_object_add(o, "domain", json_object_new_string(d->name));
	json_object_object_add(o, "running", json_object_new_boolean(d->id >= 0));
	json_object_object_add(o, "vcpus", json_object_new_int((int)d->vcpus));
	json_object_object_add(o, "vcpus_current", json_object_new_int((int)d->vcpus_current));
	json_object_object_add(o, "os", d->os_id ? json_object_new_string(d->os_id) : NULL);
	json_object_object_add(o, "vhost_net", json_object_new_boolean(h->vhost_net));
	for (size_t k = 0; k < d->n_ifaces; k++)
		json_object_array_add(ifs, iface_json(&d->ifaces[k], h));
	json_object_object_add(o, "interfaces", ifs);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return EXIT_OK;
}

static void show_iface(const DomainIface *i, size_t k, const HostFacts *h)
{
	_cleanup_free_ char *src = iface_source(i), *team = NULL, *vlan = NULL;
	char label[IFACE_LABEL_MAX], q[16];

	if (i->teaming == DOMAIN_TEAMING_TRANSIENT && i->teaming_persistent)
		(void)!asprintf(&team, "transient of %s", i->teaming_persistent);
	for (size_t t = 0; t < i->n_vlan_tags; t++) {
		char *n = NULL;

		(void)!asprintf(&n, "%s%s%u", vlan ? vlan : "vlan ", vlan ? "," : "", i->vlan_tags[t]);
		free(vlan);
		vlan = n;
	}
	snprintf(q, sizeof(q), "%u", i->queues ? i->queues : 1);
	printf("%-17s %-17s %-9s %-24s %-8s %-19s %-6s %-13s %s%s%s\n", iface_label(i, k, label),
	       i->mac ? i->mac : "-", i->type_name, src ? src : "?", i->model ? i->model : "-",
	       iface_backend(i, h), i->type == DOMAIN_IFACE_HOSTDEV ? "-" : q,
	       net_path_to_string(net_path_of(i, h)),
	       team ? team : (i->teaming == DOMAIN_TEAMING_PERSISTENT ? "persistent" : "-"), vlan ? " " : "",
	       vlan ? vlan : "");
}

static int vm_show(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_virt_job_ VirtJob *j = NULL;
	const DomainDef *d;
	bool json = false;
	HostFacts h;
	VmJob *v;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			vm_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vm show", "unknown option");
		}
	if (optind + 1 != argc)
		return cli_usage_error("vm show", "expected one DOMAIN, got %d arguments", argc - optind);
	/* Everything shown comes from libvirt: without its answer, nothing. */
	if (vm_job_new("vm show", argv[optind], VIRT_CONN_READ_ONLY, 0, &j, &v) < 0 ||
	    cli_virt_step("vm show", j, vm_step_get, true, NULL) < 0)
		return EXIT_FAILED;
	d = v->def;
	cli_host_facts(false, &h);
	if (json)
		return show_json(d, &h);
	printf("Domain %s (%s), %u vCPUs (%u current), OS %s\n", d->name, d->id >= 0 ? "running" : "shut off",
	       d->vcpus, d->vcpus_current, d->os_id ? d->os_id : "unknown");
	if (d->n_ifaces == 0) {
		printf("No network interfaces.\n");
		return EXIT_OK;
	}
	printf("%-17s %-17s %-9s %-24s %-8s %-19s %-6s %-13s %s\n", "IFACE", "MAC", "TYPE", "SOURCE", "MODEL",
	       "BACKEND", "QUEUES", "PATH", "TEAMING");
	for (size_t k = 0; k < d->n_ifaces; k++)
		show_iface(&d->ifaces[k], k, &h);
	return EXIT_OK;
}

int cmd_vm(int argc, char **argv)
{
	if (argc < 2) {
		vm_help(stderr);
		return EXIT_USAGE;
	}
	/* Each sub-subcommand parses from its own name. */
	optind = 0;
	if (streq(argv[1], "show"))
		return vm_show(argc - 1, argv + 1);
	if (streq(argv[1], "advise"))
		return cmd_vm_advise(argc - 1, argv + 1);
	if (streq(argv[1], "apply"))
		return cmd_vm_apply(argc - 1, argv + 1);
	if (streq(argv[1], "team"))
		return cmd_vm_team(argc - 1, argv + 1);
	if (streq(argv[1], "balloon"))
		return cmd_vm_balloon(argc - 1, argv + 1);
	if (streq(argv[1], "migrate"))
		return cmd_vm_migrate(argc - 1, argv + 1);
	if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
		vm_help(stdout);
		return EXIT_OK;
	}
	return cli_usage_error("vm", "unknown command '%s', expected show, advise, apply, team, balloon or migrate",
			      argv[1]);
}
