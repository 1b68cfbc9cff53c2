/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl status: the host's NICs, SR-IOV PFs and VFs, their interrupts
 * and the running VMs that hold them, as a table or as JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"
#include "model/inventory-json.h"
#include "host/inventory.h"
#include "libvirt-job.h"
#include "status-daemon.h"
#include "virt/inventory-vms.h"

/* The sources this build reads besides sysfs.  A NULL filler leaves its
 * part of the status "unknown", with the reason printed. */
static void json_object_putp(json_object **o)
{
	json_object_put(*o);
}

/* Whether libvirt ran out of --timeout, to say so once on stderr. */
static bool vms_timed_out;

static int fill_vms(Inventory *inv, const InventoryOptions *opts, char **ret_reason)
{
	int r = inventory_fill_vms(inv, opts, ret_reason);

	vms_timed_out = r == -ETIMEDOUT;
	return r;
}

static const InventorySources status_sources = {
	.vf_attrs = inventory_fill_vf_attrs,
	.irqs = inventory_fill_irqs,
	.vms = fill_vms,
};

static void help(void)
{
	printf("Usage: kvmnetctl status [--json]\n"
	       "\n"
	       "Show every network PCI function and SR-IOV physical function of this host\n"
	       "with its VFs (index, PCI address, driver, MAC and VLAN, the VM holding it),\n"
	       "each NIC's interrupts, and the running VMs with their network devices.\n"
	       "What cannot be read is shown as unknown, with the reason; libvirt is waited\n"
	       "for at most 'kvmnetctl --timeout SECONDS' (default 10).\n"
	       "\n"
	       "Options:\n"
	       "  -j, --json   print one JSON document (described in kvmnetctl(8))\n"
	       "  -h, --help   show this help\n");
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/* Prints a part's state when it is not known; returns whether it is. */
static bool part_known(const char *indent, const char *what, const InvPart *p)
{
	if (!p->known)
		printf("%s%s: unknown (%s)\n", indent, what, p->reason ? p->reason : "no reason given");
	return p->known;
}

static void print_int_or(int v, const char *none)
{
	if (v >= 0)
		printf("%d", v);
	else
		fputs(none, stdout);
}

/* "0x8086" as lspci prints it, "8086". */
static const char *pci_id(const char *id)
{
	if (!id)
		return "?";
	return strneq(id, "0x", 2) ? id + 2 : id;
}

static void print_pci_line(const char *kind, const PciFunction *f)
{
	printf("%s %s  %s:%s  driver %s", kind, f->addr, pci_id(f->vendor), pci_id(f->device), or_dash(f->driver));
	if (f->driver_override)
		printf(" (override %s)", f->driver_override);
	printf("  netdev ");
	if (!f->netdevs || !f->netdevs[0])
		fputs("-", stdout);
	STRV_FOREACH(n, f->netdevs)
		printf("%s%s", n == f->netdevs ? "" : ",", *n);
	printf("\n    IOMMU group ");
	print_int_or(f->iommu_group, "none");
	if (f->iommu_group >= 0) {
		if (!f->iommu_peers || !f->iommu_peers[0])
			printf(" (alone)");
		else {
			printf(" (with");
			STRV_FOREACH(p, f->iommu_peers)
				printf(" %s", *p);
			printf(")");
		}
	}
	printf("  NUMA node ");
	print_int_or(f->numa_node, "-");
	printf("  PCIe link ");
	if (f->link_width < 0 && !f->link_speed)
		printf("unknown\n");
	else {
		printf("x");
		print_int_or(f->link_width, "?");
		printf(" %s (max x", f->link_speed ? f->link_speed : "?");
		print_int_or(f->max_link_width, "?");
		printf(" %s)\n", f->max_link_speed ? f->max_link_speed : "?");
	}
}

static const char *holder_str(const Inventory *inv, const char *holder)
{
	return !inv->vms.known ? "unknown" : holder ? holder : "-";
}

static void print_vf(const Inventory *inv, const InvVf *vf)
{
	const PciFunction *f = vf->pci;
	char vlan[16] = "unknown", group[16] = "-";

	if (vf->have_attrs && vf->attrs.vlan >= 0)
		snprintf(vlan, sizeof(vlan), "%d", vf->attrs.vlan);
	if (f && f->iommu_group >= 0)
		snprintf(group, sizeof(group), "%d%s", f->iommu_group,
			 f->iommu_peers && f->iommu_peers[0] ? "+" : "");
	printf("    %-3d %-13s %-9s %-9s %-6s %-12s %-18s %-7s %s\n", vf->index, vf->addr ? vf->addr : "missing",
	       f ? or_dash(f->driver) : "unknown", f ? or_dash(f->driver_override) : "unknown", f ? group : "unknown",
	       f && f->netdevs && f->netdevs[0] ? f->netdevs[0] : "-",
	       vf->have_attrs && vf->attrs.mac ? vf->attrs.mac : "unknown", vlan, holder_str(inv, vf->holder));
}

static void print_sriov(const Inventory *inv, const InvNic *n)
{
	const SriovPf *pf = n->sriov;

	printf("    SR-IOV: ");
	print_int_or(pf->numvfs, "unknown");
	printf(" of ");
	print_int_or(pf->totalvfs, "unknown");
	printf(" VFs, drivers autoprobe %s\n",
	       pf->drivers_autoprobe < 0 ? "unknown" : pf->drivers_autoprobe ? "on" : "off");
	if (n->n_vfs == 0)
		return;
	printf("    %-3s %-13s %-9s %-9s %-6s %-12s %-18s %-7s %s\n", "VF", "ADDRESS", "DRIVER", "OVERRIDE", "IOMMU",
	       "NETDEV", "MAC", "VLAN", "HELD BY");
	for (size_t i = 0; i < n->n_vfs; i++)
		print_vf(inv, &n->vfs[i]);
	if (part_known("    ", "VF MAC/VLAN", &inv->vf_attrs) && n->vf_attrs_reason)
		printf("    VF MAC/VLAN: unknown (%s)\n", n->vf_attrs_reason);
}

static void print_irq_rows(const char *who, const InvIrq *irqs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const InvIrq *q = &irqs[i];
		uint64_t total = 0;

		for (size_t c = 0; c < q->n_counts; c++)
			total += q->counts[c].count;
		printf("    %-6s %-5u %-26s %12" PRIu64 "  %-9s %-9s", who, q->irq, q->name ? q->name : "unknown", total,
		       q->affinity ? q->affinity : "unknown", q->effective_affinity ? q->effective_affinity : "unknown");
		for (size_t c = 0; c < q->n_counts; c++)
			if (q->counts[c].count > 0)
				printf(" %u:%" PRIu64, q->counts[c].cpu, q->counts[c].count);
		printf("\n");
	}
}

/* The vectors of a NIC and of its VFs, in one table. */
static void print_irqs(const Inventory *inv, const InvNic *n)
{
	size_t total = n->n_irqs;

	if (!part_known("    ", "Interrupts", &inv->irqs))
		return;
	for (size_t i = 0; i < n->n_vfs; i++)
		total += n->vfs[i].n_irqs;
	if (!n->have_irqs)
		printf("    Interrupts: unknown\n");
	else if (total == 0)
		printf("    Interrupts: no MSI/MSI-X vectors\n");
	if (total == 0)
		return;
	printf("    %-6s %-5s %-26s %12s  %-9s %-9s %s\n", "OWNER", "IRQ", "NAME", "TOTAL", "AFFINITY", "EFFECTIVE",
	       "COUNT PER CPU (cpu:count, nonzero)");
	print_irq_rows(n->sriov ? "PF" : "NIC", n->irqs, n->n_irqs);
	for (size_t i = 0; i < n->n_vfs; i++) {
		char who[16];

		snprintf(who, sizeof(who), "VF %d", n->vfs[i].index);
		print_irq_rows(who, n->vfs[i].irqs, n->vfs[i].n_irqs);
	}
}

static void print_nic(const Inventory *inv, const InvNic *n)
{
	print_pci_line(n->sriov ? "PF " : "NIC", n->pci);
	if (n->pci->physfn)
		printf("    a VF of PF %s, which does not list it among its virtfnN\n", n->pci->physfn);
	if (n->sriov)
		print_sriov(inv, n);
	else if (!n->pci->physfn)
		printf("    SR-IOV: not capable\n");
	print_irqs(inv, n);
	if (inv->vms.known && n->holder)
		printf("    Held by VM %s (whole function)\n", n->holder);
	printf("\n");
}

static void print_vms(const Inventory *inv)
{
	if (!part_known("", "VMs and the VFs they hold", &inv->vms))
		return;
	if (inv->n_vms == 0) {
		printf("VMs: none running\n");
		return;
	}
	for (size_t i = 0; i < inv->n_vms; i++) {
		const InvVm *vm = &inv->vms_list[i];

		printf("VM %s%s%s\n", vm->name, vm->uuid ? "  " : "", vm->uuid ? vm->uuid : "");
		if (vm->n_nics == 0)
			printf("    no network devices\n");
		for (size_t j = 0; j < vm->n_nics; j++) {
			const InvVmNic *d = &vm->nics[j];

			printf("    %-9s %-14s %-10s %-8s mac %s", or_dash(d->type),
			       d->pci_addr ? d->pci_addr : or_dash(d->source), or_dash(d->target), or_dash(d->model),
			       or_dash(d->mac));
			printf("\n");
		}
	}
}

static void print_table(const Inventory *inv)
{
	printf("Host: kernel %s\n\n", inv->kernel ? inv->kernel : "unknown");
	if (!part_known("", "PCI functions", &inv->pci))
		printf("\n");
	else if (inv->n_nics == 0)
		printf("No network PCI function and no SR-IOV PF.\n\n");
	for (size_t i = 0; i < inv->n_nics; i++)
		print_nic(inv, &inv->nics[i]);
	print_vms(inv);
}

static int print_json(const Inventory *inv, json_object *daemon)
{
	json_object *o = NULL;
	int r;

	r = inventory_to_json(inv, &o);
	if (r < 0)
		return log_error_errno(r, "Cannot build the JSON document: %s", strerror(-r));
	json_object_object_add(o, "daemon", json_object_get(daemon));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_inventory_ Inventory *inv = NULL;
	_cleanup_(json_object_putp) json_object *daemon = NULL;
	InventoryOptions opts = { .libvirt_uri = cli.uri, .libvirt_timeout_us = cli.libvirt_timeout_us };
	bool json = false;
	int c, r;

	opterr = 0; /* cli_usage_error() says it, once */
	while ((c = getopt_long(argc, argv, "jh", options, NULL)) >= 0)
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("status", "unknown option '%s'", argv[optind - 1]);
		}
	if (optind < argc)
		return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);

	r = inventory_read(&inv);
	if (r < 0) {
		log_error_errno(r, "Cannot read the host inventory: %s", strerror(-r));
		return EXIT_FAILED;
	}
	inventory_fill(inv, &status_sources, &opts);
	if (vms_timed_out)
		cli_virt_timeout_note("status", "VM holders unknown");
	if (!inv->pci.known)
		log_error("Cannot read PCI functions: %s", inv->pci.reason);
	daemon = status_daemon_fetch();
	if (!daemon)
		return log_error_errno(-ENOMEM, "Out of memory"), EXIT_FAILED;
	if (json) {
		if (print_json(inv, daemon) < 0)
			return EXIT_FAILED;
	} else {
		print_table(inv);
		status_daemon_print(daemon);
	}
	return inv->pci.known ? EXIT_OK : EXIT_FAILED;
}
