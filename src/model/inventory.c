/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inventory model: ownership, lookups and the calls source fillers use.
 * Nothing here touches the kernel; inventory-read.c does. */
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "model/inventory.h"

static void vf_attrs_done(InvVfAttrs *a)
{
	free(a->mac);
	free(a->link_state);
}

static void irq_done(InvIrq *q)
{
	free(q->name);
	free(q->counts);
	free(q->affinity);
	free(q->effective_affinity);
}

static void irqs_free(InvIrq *irqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		irq_done(&irqs[i]);
	free(irqs);
}

static void nic_done(InvNic *n)
{
	for (size_t i = 0; i < n->n_vfs; i++) {
		free(n->vfs[i].addr);
		pci_function_free(n->vfs[i].pci);
		vf_attrs_done(&n->vfs[i].attrs);
		irqs_free(n->vfs[i].irqs, n->vfs[i].n_irqs);
		free(n->vfs[i].holder);
	}
	free(n->vfs);
	pci_function_free(n->pci);
	sriov_pf_free(n->sriov);
	free(n->vf_attrs_reason);
	irqs_free(n->irqs, n->n_irqs);
	free(n->holder);
}

static void vm_nic_done(InvVmNic *v)
{
	free(v->type);
	free(v->mac);
	free(v->model);
	free(v->source);
	free(v->target);
	free(v->pci_addr);
}

static void vm_done(InvVm *vm)
{
	for (size_t i = 0; i < vm->n_nics; i++)
		vm_nic_done(&vm->nics[i]);
	free(vm->nics);
	free(vm->name);
	free(vm->uuid);
}

Inventory *inventory_free(Inventory *inv)
{
	if (!inv)
		return NULL;
	for (size_t i = 0; i < inv->n_nics; i++)
		nic_done(&inv->nics[i]);
	free(inv->nics);
	for (size_t i = 0; i < inv->n_vms; i++)
		vm_done(&inv->vms_list[i]);
	free(inv->vms_list);
	free(inv->kernel);
	free(inv->pci.reason);
	free(inv->vf_attrs.reason);
	free(inv->irqs.reason);
	free(inv->vms.reason);
	free(inv);
	return NULL;
}

int inv_part_set(InvPart *p, bool known, const char *reason)
{
	char *r = NULL;

	if (!known) {
		r = strdup(reason ? reason : "unknown reason");
		if (!r)
			return -ENOMEM;
	}
	free(p->reason);
	p->known = known;
	p->reason = r;
	return 0;
}

/* Callers may name a function "03:00.0"; the model holds canonical names. */
static bool addr_eq(const char *a, const char *b)
{
	PciAddr x, y;

	if (!a || !b)
		return false;
	if (pci_addr_parse(a, &x) < 0 || pci_addr_parse(b, &y) < 0)
		return streq(a, b);
	return pci_addr_equal(&x, &y);
}

InvNic *inventory_find_nic(const Inventory *inv, const char *addr)
{
	for (size_t i = 0; i < inv->n_nics; i++)
		if (addr_eq(inv->nics[i].pci->addr, addr))
			return &inv->nics[i];
	return NULL;
}

InvVf *inventory_find_vf(const Inventory *inv, const char *addr, InvNic **ret_pf)
{
	for (size_t i = 0; i < inv->n_nics; i++)
		for (size_t j = 0; j < inv->nics[i].n_vfs; j++)
			if (addr_eq(inv->nics[i].vfs[j].addr, addr)) {
				if (ret_pf)
					*ret_pf = &inv->nics[i];
				return &inv->nics[i].vfs[j];
			}
	return NULL;
}

static int strdup_or_null(const char *s, char **ret)
{
	if (!s) {
		*ret = NULL;
		return 0;
	}
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int inventory_set_vf_attrs(Inventory *inv, const char *pf_addr, int vf_index, const InvVfAttrs *attrs)
{
	InvNic *pf = inventory_find_nic(inv, pf_addr);
	InvVfAttrs a = *attrs;
	InvVf *vf;

	if (!pf || vf_index < 0 || (size_t)vf_index >= pf->n_vfs)
		return -ENOENT;
	vf = &pf->vfs[vf_index];
	if (strdup_or_null(attrs->mac, &a.mac) < 0)
		return -ENOMEM;
	if (strdup_or_null(attrs->link_state, &a.link_state) < 0) {
		free(a.mac);
		return -ENOMEM;
	}
	vf_attrs_done(&vf->attrs);
	vf->attrs = a;
	vf->have_attrs = true;
	return 0;
}

int inventory_set_vf_attrs_unknown(Inventory *inv, const char *pf_addr, const char *reason)
{
	InvNic *pf = inventory_find_nic(inv, pf_addr);
	char *r;

	if (!pf)
		return -ENOENT;
	r = strdup(reason);
	if (!r)
		return -ENOMEM;
	free(pf->vf_attrs_reason);
	pf->vf_attrs_reason = r;
	return 0;
}

static int irq_copy(const InvIrq *src, InvIrq *dst)
{
	*dst = (InvIrq){ .irq = src->irq, .n_counts = src->n_counts };
	if (strdup_or_null(src->name, &dst->name) < 0 || strdup_or_null(src->affinity, &dst->affinity) < 0 ||
	    strdup_or_null(src->effective_affinity, &dst->effective_affinity) < 0)
		return -ENOMEM;
	if (src->n_counts > 0) {
		dst->counts = calloc(src->n_counts, sizeof(InvIrqCount));
		if (!dst->counts)
			return -ENOMEM;
		memcpy(dst->counts, src->counts, src->n_counts * sizeof(InvIrqCount));
	}
	return 0;
}

int inventory_set_irqs(Inventory *inv, const char *addr, const InvIrq *irqs, size_t n_irqs)
{
	InvVf *vf = inventory_find_vf(inv, addr, NULL);
	InvNic *nic = vf ? NULL : inventory_find_nic(inv, addr);
	InvIrq **slot = vf ? &vf->irqs : nic ? &nic->irqs : NULL;
	size_t *n_slot = vf ? &vf->n_irqs : nic ? &nic->n_irqs : NULL;
	InvIrq *copy = NULL;

	if (!slot)
		return -ENOENT;
	if (n_irqs > 0) {
		copy = calloc(n_irqs, sizeof(InvIrq));
		if (!copy)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n_irqs; i++)
		if (irq_copy(&irqs[i], &copy[i]) < 0) {
			irqs_free(copy, i + 1);
			return -ENOMEM;
		}
	irqs_free(*slot, *n_slot);
	*slot = copy;
	*n_slot = n_irqs;
	if (vf)
		vf->have_irqs = true;
	else
		nic->have_irqs = true;
	return 0;
}

static int vm_nic_copy(const InvVmNic *s, InvVmNic *d)
{
	*d = (InvVmNic){};
	if (strdup_or_null(s->type, &d->type) < 0 || strdup_or_null(s->mac, &d->mac) < 0 ||
	    strdup_or_null(s->model, &d->model) < 0 || strdup_or_null(s->source, &d->source) < 0 ||
	    strdup_or_null(s->target, &d->target) < 0 || strdup_or_null(s->pci_addr, &d->pci_addr) < 0)
		return -ENOMEM;
	return 0;
}

static int vm_copy(const InvVm *s, InvVm *d)
{
	*d = (InvVm){};
	if (strdup_or_null(s->name, &d->name) < 0 || strdup_or_null(s->uuid, &d->uuid) < 0)
		return -ENOMEM;
	if (s->n_nics > 0) {
		d->nics = calloc(s->n_nics, sizeof(InvVmNic));
		if (!d->nics)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_nics; i++) {
		d->n_nics = i + 1;
		if (vm_nic_copy(&s->nics[i], &d->nics[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Record that the VM holds a function, be it a VF or a whole NIC. */
static int mark_holder(Inventory *inv, const char *addr, const char *vm)
{
	InvVf *vf = inventory_find_vf(inv, addr, NULL);
	InvNic *nic = vf ? NULL : inventory_find_nic(inv, addr);
	char **slot = vf ? &vf->holder : nic ? &nic->holder : NULL;
	char *c;

	if (!slot)
		return 0; /* not a network function we list (a GPU, say) */
	c = strdup(vm);
	if (!c)
		return -ENOMEM;
	free(*slot);
	*slot = c;
	return 0;
}

int inventory_add_vm(Inventory *inv, const InvVm *vm)
{
	InvVm *l;
	int r;

	if (!vm->name)
		return -EINVAL;
	l = realloc(inv->vms_list, (inv->n_vms + 1) * sizeof(InvVm));
	if (!l)
		return -ENOMEM;
	inv->vms_list = l;
	r = vm_copy(vm, &l[inv->n_vms]);
	if (r < 0) {
		vm_done(&l[inv->n_vms]);
		return r;
	}
	inv->n_vms++;
	for (size_t i = 0; i < vm->n_nics; i++)
		if (vm->nics[i].pci_addr) {
			r = mark_holder(inv, vm->nics[i].pci_addr, vm->name);
			if (r < 0)
				return r;
		}
	return 0;
}

static void fill_part(Inventory *inv, InvPart *part, InventoryFiller fn, const char *what,
		      const InventoryOptions *opts)
{
	_cleanup_free_ char *reason = NULL;
	int r;

	if (!fn) {
		if (asprintf(&reason, "this build of kvmnet does not read %s", what) < 0)
			reason = NULL;
		(void)inv_part_set(part, false, reason);
		return;
	}
	r = fn(inv, opts, &reason);
	if (r >= 0) {
		(void)inv_part_set(part, true, NULL);
		return;
	}
	if (!reason && asprintf(&reason, "reading %s failed: %s", what, strerror(-r)) < 0)
		reason = NULL;
	(void)inv_part_set(part, false, reason);
}

void inventory_fill(Inventory *inv, const InventorySources *sources, const InventoryOptions *opts)
{
	static const InventorySources none = {};
	static const InventoryOptions no_opts = {};

	if (!sources)
		sources = &none;
	if (!opts)
		opts = &no_opts;
	fill_part(inv, &inv->vf_attrs, sources->vf_attrs, "VF attributes over rtnetlink", opts);
	fill_part(inv, &inv->irqs, sources->irqs, "interrupt vectors", opts);
	fill_part(inv, &inv->vms, sources->vms, "VMs from libvirt", opts);
}
