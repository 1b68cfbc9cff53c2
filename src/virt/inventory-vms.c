/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM source of the inventory: every running domain with its network
 * devices, from its live XML, which also marks the NICs and VFs it holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "model/inventory.h"
#include "virt/domains.h"
#include "virt/inventory-vms.h"
#include "virt/virt-conn.h"

static const char *iface_source(const DomainIface *i)
{
	if (i->source_dev)
		return i->source_dev;
	if (i->source_network)
		return i->source_network;
	return i->source_bridge;
}

static int add_domain(Inventory *inv, const DomainDef *def)
{
	size_t n = def->n_ifaces + def->n_hostdevs;
	_cleanup_free_ InvVmNic *nics = NULL;
	_cleanup_free_ char *addrs = NULL; /* PCI_ADDR_STRLEN per NIC */
	InvVm vm = { .name = def->name, .uuid = def->uuid };

	if (n > 0) {
		nics = calloc(n, sizeof(*nics));
		addrs = calloc(n, PCI_ADDR_STRLEN);
		if (!nics || !addrs)
			return -ENOMEM;
	}
	for (size_t i = 0; i < def->n_ifaces; i++) {
		const DomainIface *f = &def->ifaces[i];
		const PciAddr *pci = domain_iface_pci(f);

		nics[i] = (InvVmNic){
			.type = f->type_name,
			.mac = f->mac,
			.model = f->model,
			.source = (char *)iface_source(f),
			.target = f->target_dev,
			.pci_addr = pci ? pci_addr_format(pci, addrs + i * PCI_ADDR_STRLEN) : NULL,
		};
	}
	for (size_t k = 0; k < def->n_hostdevs; k++) {
		size_t i = def->n_ifaces + k;

		nics[i] = (InvVmNic){
			.type = (char *)"hostdev",
			.pci_addr = pci_addr_format(&def->hostdevs[k].addr, addrs + i * PCI_ADDR_STRLEN),
		};
	}
	vm.nics = nics;
	vm.n_nics = n;
	return inventory_add_vm(inv, &vm);
}

static int list_running(virConnectPtr c, void *payload, char **ret_error)
{
	return virt_domains_running(c, payload, ret_error);
}

static void domain_listp_free(void *p)
{
	DomainList **l = p;

	domain_list_free(*l);
	free(l);
}

/* The running domains, within the timeout: libvirt's work only, in the
 * job's thread; the inventory itself is filled in the caller's. */
static int read_running(const InventoryOptions *opts, DomainList **ret, char **ret_error)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	DomainList **l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	r = virt_job_new(opts->libvirt_uri, VIRT_CONN_READ_ONLY, opts->libvirt_timeout_us, l, domain_listp_free, &j);
	if (r < 0)
		return r;
	r = virt_job_last_step(j, list_running, ret_error);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(*l);
	return 0;
}

int inventory_fill_vms(Inventory *inv, const InventoryOptions *opts, char **ret_reason)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	_cleanup_free_ char *err = NULL;
	int r;

	r = read_running(opts, &l, &err);
	if (r < 0) {
		if (!ret_reason)
			return r;
		if (r == -ETIMEDOUT)
			*ret_reason = virt_timeout_reason(opts->libvirt_uri, opts->libvirt_timeout_us);
		else if (asprintf(ret_reason, "libvirt at %s: %s", opts->libvirt_uri ? opts->libvirt_uri : "default",
				  err ? err : strerror(-r)) < 0)
			*ret_reason = NULL;
		return r;
	}
	for (size_t i = 0; i < l->n; i++) {
		r = add_domain(inv, l->defs[i]);
		if (r < 0) {
			if (ret_reason)
				*ret_reason = strdup("out of memory adding VMs");
			return r;
		}
	}
	return 0;
}
