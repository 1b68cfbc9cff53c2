/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "model/inventory-json.h"

/*
 * Builders with a sticky error: each add records -ENOMEM in *err and the
 * document is thrown away at the end, which keeps every builder short.
 * A NULL value is JSON null; a failed allocation is told apart by its
 * non-NULL input.
 */
static void put(json_object *o, const char *key, json_object *v, bool was_null, int *err)
{
	if (!v && !was_null) {
		*err = -ENOMEM;
		return;
	}
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		*err = -ENOMEM;
	}
}

static void put_str(json_object *o, const char *key, const char *s, int *err)
{
	put(o, key, s ? json_object_new_string(s) : NULL, !s, err);
}

/* An int where -1 means unknown. */
static void put_int(json_object *o, const char *key, int v, int *err)
{
	put(o, key, v >= 0 ? json_object_new_int(v) : NULL, v < 0, err);
}

/* 1 true, 0 false, -1 unknown. */
static void put_tristate(json_object *o, const char *key, int v, int *err)
{
	put(o, key, v >= 0 ? json_object_new_boolean(v > 0) : NULL, v < 0, err);
}

static json_object *new_obj(int *err)
{
	json_object *o = json_object_new_object();

	if (!o)
		*err = -ENOMEM;
	return o;
}

static void array_add(json_object *a, json_object *v, int *err)
{
	if (!a || !v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		*err = -ENOMEM;
	}
}

static json_object *strv_json(char *const *l, int *err)
{
	json_object *a = json_object_new_array();

	if (!a)
		*err = -ENOMEM;
	for (size_t i = 0; a && l && l[i]; i++)
		array_add(a, json_object_new_string(l[i]), err);
	return a;
}

static json_object *part_json(const InvPart *p, int *err)
{
	json_object *o = new_obj(err);

	if (!o)
		return NULL;
	put(o, "known", json_object_new_boolean(p->known), false, err);
	put_str(o, "reason", p->reason, err);
	return o;
}

static json_object *link_json(const PciFunction *f, int *err)
{
	json_object *o = new_obj(err);

	if (!o)
		return NULL;
	put_int(o, "width", f ? f->link_width : -1, err);
	put_int(o, "max_width", f ? f->max_link_width : -1, err);
	put_str(o, "speed", f ? f->link_speed : NULL, err);
	put_str(o, "max_speed", f ? f->max_link_speed : NULL, err);
	return o;
}

/* The fields every PCI function has; f NULL when it could not be read. */
static void pci_fields(json_object *o, const char *addr, const PciFunction *f, int *err)
{
	put_str(o, "address", addr, err);
	put(o, "readable", json_object_new_boolean(f != NULL), false, err);
	put_str(o, "vendor", f ? f->vendor : NULL, err);
	put_str(o, "device", f ? f->device : NULL, err);
	put_str(o, "class", f ? f->class_id : NULL, err);
	put_str(o, "driver", f ? f->driver : NULL, err);
	put_str(o, "driver_override", f ? f->driver_override : NULL, err);
	put(o, "netdevs", strv_json(f ? f->netdevs : NULL, err), false, err);
	put_int(o, "iommu_group", f ? f->iommu_group : -1, err);
	if (f && f->iommu_group >= 0)
		put(o, "iommu_peers", strv_json(f->iommu_peers, err), false, err);
	else
		put(o, "iommu_peers", NULL, true, err);
	put_int(o, "numa_node", f ? f->numa_node : -1, err);
	put(o, "link", link_json(f, err), false, err);
}

static json_object *irq_json(const InvIrq *q, int *err)
{
	json_object *o = new_obj(err), *counts = new_obj(err);
	uint64_t total = 0;

	for (size_t i = 0; counts && i < q->n_counts; i++) {
		char cpu[16];

		snprintf(cpu, sizeof(cpu), "%u", q->counts[i].cpu);
		put(counts, cpu, json_object_new_uint64(q->counts[i].count), false, err);
		total += q->counts[i].count;
	}
	if (!o) {
		json_object_put(counts);
		return NULL;
	}
	put(o, "irq", json_object_new_int64(q->irq), false, err);
	put_str(o, "name", q->name, err);
	put(o, "counts", counts, false, err);
	put(o, "total", json_object_new_uint64(total), false, err);
	put_str(o, "affinity", q->affinity, err);
	put_str(o, "effective_affinity", q->effective_affinity, err);
	return o;
}

/* null when the interrupt source has not said; [] for no vectors. */
static void put_irqs(json_object *o, bool have, const InvIrq *irqs, size_t n, int *err)
{
	json_object *a = NULL;

	if (have) {
		a = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			array_add(a, irq_json(&irqs[i], err), err);
	}
	put(o, "interrupts", a, !have, err);
}

static json_object *vf_json(const InvVf *vf, int *err)
{
	json_object *o = new_obj(err);
	const InvVfAttrs *a = &vf->attrs;
	bool k = vf->have_attrs;

	if (!o)
		return NULL;
	put(o, "index", json_object_new_int(vf->index), false, err);
	pci_fields(o, vf->addr, vf->pci, err);
	put_str(o, "mac", k ? a->mac : NULL, err);
	put_int(o, "vlan", k ? a->vlan : -1, err);
	put_int(o, "qos", k ? a->qos : -1, err);
	put_tristate(o, "spoofchk", k ? a->spoofchk : -1, err);
	put_tristate(o, "trust", k ? a->trust : -1, err);
	put_str(o, "link_state", k ? a->link_state : NULL, err);
	put_irqs(o, vf->have_irqs, vf->irqs, vf->n_irqs, err);
	put_str(o, "held_by", vf->holder, err);
	return o;
}

static json_object *sriov_json(const InvNic *n, int *err)
{
	json_object *o, *vfs;

	if (!n->sriov)
		return NULL;
	o = new_obj(err);
	if (!o)
		return NULL;
	put_int(o, "totalvfs", n->sriov->totalvfs, err);
	put_int(o, "numvfs", n->sriov->numvfs, err);
	put_tristate(o, "drivers_autoprobe", n->sriov->drivers_autoprobe, err);
	put_str(o, "vf_attrs_reason", n->vf_attrs_reason, err);
	vfs = json_object_new_array();
	for (size_t i = 0; i < n->n_vfs; i++)
		array_add(vfs, vf_json(&n->vfs[i], err), err);
	put(o, "vfs", vfs, false, err);
	return o;
}

static json_object *nic_json(const InvNic *n, int *err)
{
	json_object *o = new_obj(err);

	if (!o)
		return NULL;
	pci_fields(o, n->pci->addr, n->pci, err);
	put_str(o, "physfn", n->pci->physfn, err);
	put(o, "sriov", sriov_json(n, err), !n->sriov, err);
	put_irqs(o, n->have_irqs, n->irqs, n->n_irqs, err);
	put_str(o, "held_by", n->holder, err);
	return o;
}

static json_object *vm_json(const InvVm *vm, int *err)
{
	json_object *o = new_obj(err), *nics = json_object_new_array();

	for (size_t i = 0; nics && i < vm->n_nics; i++) {
		const InvVmNic *v = &vm->nics[i];
		json_object *d = new_obj(err);

		if (!d)
			break;
		put_str(d, "type", v->type, err);
		put_str(d, "mac", v->mac, err);
		put_str(d, "model", v->model, err);
		put_str(d, "source", v->source, err);
		put_str(d, "target", v->target, err);
		put_str(d, "pci_address", v->pci_addr, err);
		array_add(nics, d, err);
	}
	if (!o) {
		json_object_put(nics);
		return NULL;
	}
	put_str(o, "name", vm->name, err);
	put_str(o, "uuid", vm->uuid, err);
	put(o, "nics", nics, false, err);
	return o;
}

static json_object *sources_json(const Inventory *inv, int *err)
{
	json_object *o = new_obj(err);

	if (!o)
		return NULL;
	put(o, "pci", part_json(&inv->pci, err), false, err);
	put(o, "vf_attrs", part_json(&inv->vf_attrs, err), false, err);
	put(o, "interrupts", part_json(&inv->irqs, err), false, err);
	put(o, "vms", part_json(&inv->vms, err), false, err);
	return o;
}

int inventory_to_json(const Inventory *inv, json_object **ret)
{
	json_object *o, *nics, *vms = NULL;
	int err = 0;

	o = new_obj(&err);
	if (!o)
		return -ENOMEM;
	put(o, "schema", json_object_new_int(INVENTORY_JSON_SCHEMA), false, &err);
	put_str(o, "kernel", inv->kernel, &err);
	put(o, "sources", sources_json(inv, &err), false, &err);
	nics = json_object_new_array();
	for (size_t i = 0; i < inv->n_nics; i++)
		array_add(nics, nic_json(&inv->nics[i], &err), &err);
	put(o, "nics", nics, false, &err);
	if (inv->vms.known) {
		vms = json_object_new_array();
		for (size_t i = 0; i < inv->n_vms; i++)
			array_add(vms, vm_json(&inv->vms_list[i], &err), &err);
	}
	put(o, "vms", vms, !inv->vms.known, &err);
	if (err < 0) {
		json_object_put(o);
		return err;
	}
	*ret = o;
	return 0;
}
