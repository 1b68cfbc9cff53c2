/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inventory_read(): the sysfs part of the inventory. */
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "host/inventory.h"
#include "host/pci.h"
#include "host/sriov.h"

/* Every PCI function, read once; entries are taken (set NULL) as they go
 * into the model. */
typedef struct Scan {
	char **addrs;
	PciFunction **fns; /* NULL where unreadable or already taken */
	SriovPf **pfs;	   /* NULL where not a PF */
	bool *claimed;	   /* a VF that its PF lists */
	size_t n;
} Scan;

static void scan_done(Scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		pci_function_free(s->fns[i]);
		sriov_pf_free(s->pfs[i]);
	}
	free(s->fns);
	free(s->pfs);
	free(s->claimed);
	strv_free(s->addrs);
}

static ssize_t scan_index(const Scan *s, const char *addr)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->addrs[i], addr))
			return (ssize_t)i;
	return -1;
}

static int scan_read(Scan *s)
{
	s->n = strv_length(s->addrs);
	s->fns = calloc(s->n + 1, sizeof(PciFunction *));
	s->pfs = calloc(s->n + 1, sizeof(SriovPf *));
	s->claimed = calloc(s->n + 1, sizeof(bool));
	if (!s->fns || !s->pfs || !s->claimed)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		int r = pci_function_read(s->addrs[i], &s->fns[i]);

		/* A device that vanished or that we cannot read is left out;
		 * only memory failures end the listing. */
		if (r == -ENOMEM)
			return r;
		r = sriov_pf_read(s->addrs[i], &s->pfs[i]);
		if (r == -ENOMEM)
			return r;
	}
	/* A VF goes under its PF; mark those the PF lists. */
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; s->pfs[i] && j < s->pfs[i]->n_vfs; j++) {
			ssize_t k = s->pfs[i]->vf_addrs[j] ? scan_index(s, s->pfs[i]->vf_addrs[j]) : -1;

			if (k >= 0)
				s->claimed[k] = true;
		}
	return 0;
}

/* The PF's VFs, by index; a VF that is not in the PCI listing is read on
 * its own, and one that cannot be read keeps its index and address. */
static int build_vfs(Scan *s, InvNic *nic)
{
	SriovPf *pf = nic->sriov;

	if (pf->n_vfs == 0)
		return 0;
	nic->vfs = calloc(pf->n_vfs, sizeof(InvVf));
	if (!nic->vfs)
		return -ENOMEM;
	nic->n_vfs = pf->n_vfs;
	for (size_t j = 0; j < pf->n_vfs; j++) {
		InvVf *vf = &nic->vfs[j];
		ssize_t k;

		*vf = (InvVf){ .index = (int)j, .attrs = { .vlan = -1, .qos = -1, .spoofchk = -1, .trust = -1 } };
		if (!pf->vf_addrs[j])
			continue;
		vf->addr = strdup(pf->vf_addrs[j]);
		if (!vf->addr)
			return -ENOMEM;
		k = scan_index(s, vf->addr);
		if (k >= 0)
			vf->pci = TAKE_PTR(s->fns[k]);
		else if (pci_function_read(vf->addr, &vf->pci) == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

static int add_nic(Inventory *inv, Scan *s, size_t i)
{
	InvNic *l, *nic;

	l = realloc(inv->nics, (inv->n_nics + 1) * sizeof(InvNic));
	if (!l)
		return -ENOMEM;
	inv->nics = l;
	nic = &l[inv->n_nics++];
	*nic = (InvNic){ .pci = TAKE_PTR(s->fns[i]), .sriov = TAKE_PTR(s->pfs[i]) };
	return nic->sriov ? build_vfs(s, nic) : 0;
}

static int read_nics(Inventory *inv)
{
	_cleanup_(scan_done) Scan s = {};
	_cleanup_free_ char *reason = NULL;
	int r;

	r = pci_list_functions(&s.addrs);
	if (r < 0) {
		if (r == -ENOMEM || asprintf(&reason, "cannot list /sys/bus/pci/devices: %s", strerror(-r)) < 0)
			return -ENOMEM;
		return inv_part_set(&inv->pci, false, reason);
	}
	r = scan_read(&s);
	if (r < 0)
		return r;
	/* In address order: PFs (of any class) and network functions, but
	 * not the VFs that a PF already lists. */
	for (size_t i = 0; i < s.n; i++) {
		if (!s.fns[i] || s.claimed[i])
			continue;
		if (!s.pfs[i] && !pci_function_is_network(s.fns[i]))
			continue;
		r = add_nic(inv, &s, i);
		if (r < 0)
			return r;
	}
	return inv_part_set(&inv->pci, true, NULL);
}

int inventory_read(Inventory **ret)
{
	_cleanup_inventory_ Inventory *inv = NULL;
	_cleanup_free_ char *kernel = NULL;
	int r;

	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	r = read_one_line("/proc/sys/kernel/osrelease", &kernel);
	if (r == -ENOMEM)
		return r;
	if (r >= 0 && !isempty(strstrip(kernel))) {
		inv->kernel = strdup(strstrip(kernel));
		if (!inv->kernel)
			return -ENOMEM;
	}
	r = read_nics(inv);
	if (r < 0)
		return r;
	/* Until a source fills them, the other parts are not known. */
	if (inv_part_set(&inv->vf_attrs, false, "not read yet") < 0 ||
	    inv_part_set(&inv->irqs, false, "not read yet") < 0 || inv_part_set(&inv->vms, false, "not read yet") < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(inv);
	return 0;
}
