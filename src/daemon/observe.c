/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "core/irq-sample.h"
#include "daemon/observe.h"
#include "daemon/observe-numa.h"
#include "host/netdev.h"
#include "host/pci.h"
#include "host/sriov.h"
#include "virt/domains.h"
#include "virt/metadata.h"
#include "virt/vf-policy-read.h"
#include "virt/migration.h"

void observation_free(Observation *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_pfs; i++) {
		ObservedPf *p = &o->pfs[i];

		for (size_t k = 0; k < o->plan_pfs[i].n_vfs; k++) {
			free(p->vf_addrs[k]);
			free(p->vf_unknowns[k]);
		}
		free(p->vf_addrs);
		free(p->vf_unknowns);
		free(p->unknown);
		free(p->vfs);
		free(p->addr);
		free(p->ifname);
		free(p->name);
	}
	for (size_t i = 0; i < o->in.n_vms; i++) {
		free(o->vm_names[i]);
		free(o->vm_uuids[i]);
		free(o->vm_team_aliases[i]);
		free(o->vm_team_macs[i]);
		free(o->vm_unknowns[i]);
	}
	for (size_t i = 0; i < o->n_holders; i++) {
		free((char *)o->holders[i].pci_addr);
		free((char *)o->holders[i].domain);
		free(o->holder_macs[i]);
		free(o->holder_aliases[i]);
	}
	free(o->holders);
	free(o->holder_macs);
	free(o->holder_aliases);
	free(o->holder_teamed);
	free(o->vm_names);
	free(o->vm_uuids);
	free(o->vm_team_aliases);
	free(o->vm_team_macs);
	free(o->vm_unknowns);
	free(o->vm_migrations);
	free(o->vm_teamed);
	free(o->vms);
	free(o->pfs);
	free(o->plan_pfs);
	free(o);
}

const char *observation_vf_addr(const Observation *o, int pf, int vf)
{
	if (pf < 0 || (size_t)pf >= o->n_pfs)
		return NULL;
	for (size_t k = 0; k < o->plan_pfs[pf].n_vfs; k++)
		if ((int)o->pfs[pf].vfs[k].index == vf)
			return o->pfs[pf].vf_addrs[k];
	return NULL;
}

void observation_holder_iface(const Observation *o, const char *addr, const char **ret_mac,
			      const char **ret_alias)
{
	*ret_mac = *ret_alias = NULL;
	for (size_t i = 0; addr && i < o->n_holders; i++)
		if (streq(o->holders[i].pci_addr, addr)) {
			*ret_mac = o->holder_macs[i];
			*ret_alias = o->holder_aliases[i];
			return;
		}
}

static int uuid_parse(const char *s, uint8_t out[16])
{
	size_t n = 0;

	for (const char *p = s; *p && n < 32; p++) {
		unsigned v;

		if (*p == '-')
			continue;
		if (sscanf(p, "%1x", &v) != 1)
			return -EINVAL;
		out[n / 2] = (uint8_t)(n % 2 ? out[n / 2] | v : v << 4);
		n++;
	}
	return n == 32 ? 0 : -EINVAL;
}

/* A NIC the guest keeps if the daemon's VFs go: anything but a hostdev
 * interface on one of the configured PFs' VFs that the journal says the
 * daemon attached. */
static bool has_other_nic(const DomainDef *def, const Journal *j, const Observation *o)
{
	for (size_t i = 0; i < def->n_ifaces; i++) {
		const PciAddr *pci = domain_iface_pci(&def->ifaces[i]);
		bool ours = false;

		for (size_t p = 0; pci && p < o->n_pfs && !ours; p++)
			for (size_t k = 0; k < o->plan_pfs[p].n_vfs && !ours; k++)
				if (pci_addr_equal(pci, &o->pfs[p].vfs[k].addr) &&
				    journal_is_attached(j, &o->plan_pfs[p].addr, o->pfs[p].vfs[k].index, NULL))
					ours = true;
		if (!ours)
			return true;
	}
	return def->n_hostdevs > 0;
}

/* The <interface> holding the PCI function addr, in any of the running
 * domains' live XML; NULL when none names it. */
static const DomainIface *iface_of(const DomainList *l, const PciAddr *addr)
{
	for (size_t d = 0; d < l->n; d++)
		for (size_t i = 0; i < l->defs[d]->n_ifaces; i++) {
			const PciAddr *pci = domain_iface_pci(&l->defs[d]->ifaces[i]);

			if (pci && pci_addr_equal(pci, addr))
				return &l->defs[d]->ifaces[i];
		}
	return NULL;
}

/* A copy of s, or NULL for NULL; -ENOMEM only when the copy fails. */
static int dup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

static int observe_holders(Observation *o, DomainList *l)
{
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	int r;

	r = pci_holders_build(l->defs, l->n, &m);
	if (r < 0)
		return r;
	o->holders = calloc(m->n ? m->n : 1, sizeof(SriovHolder));
	o->holder_macs = calloc(m->n ? m->n : 1, sizeof(char *));
	o->holder_aliases = calloc(m->n ? m->n : 1, sizeof(char *));
	o->holder_teamed = calloc(m->n ? m->n : 1, sizeof(bool));
	if (!o->holders || !o->holder_macs || !o->holder_aliases || !o->holder_teamed)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const DomainIface *f = iface_of(l, &m->items[i].addr);
		char buf[PCI_ADDR_STRLEN];

		o->holders[i].pci_addr = strdup(pci_addr_format(&m->items[i].addr, buf));
		o->holders[i].domain = strdup(m->items[i].domain);
		/* libvirt checks that the persistent member it names exists */
		o->holder_teamed[i] = f && f->teaming == DOMAIN_TEAMING_TRANSIENT && f->teaming_persistent;
		o->n_holders++;
		if (!o->holders[i].pci_addr || !o->holders[i].domain ||
		    dup_or_null(f ? f->mac : NULL, &o->holder_macs[i]) < 0 ||
		    dup_or_null(f ? f->alias : NULL, &o->holder_aliases[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

static bool pairs_with(DomainTeaming t, const char *persistent, const char *alias)
{
	return t == DOMAIN_TEAMING_TRANSIENT && persistent && streq(persistent, alias);
}

/* Whether a transient member (a VF) is paired with the NIC aliased alias. */
static bool paired(const DomainDef *d, const char *alias)
{
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (pairs_with(d->ifaces[k].teaming, d->ifaces[k].teaming_persistent, alias))
			return true;
	for (size_t k = 0; k < d->n_hostdevs; k++)
		if (pairs_with(d->hostdevs[k].teaming, d->hostdevs[k].teaming_persistent, alias))
			return true;
	return false;
}

/* The persistent member of a failover pair in the live XML, if no
 * transient member (one given by hand, or the daemon's own from an
 * earlier turn) is paired with it yet.  libvirt only lets a transient
 * member name a user alias, "ua-...". */
static int observe_team(const DomainDef *d, char **ret_alias, char **ret_mac)
{
	const DomainIface *p = NULL;

	for (size_t k = 0; k < d->n_ifaces && !p; k++) {
		const DomainIface *i = &d->ifaces[k];

		if (i->teaming == DOMAIN_TEAMING_PERSISTENT && i->mac && i->alias && strncmp(i->alias, "ua-", 3) == 0)
			p = i;
	}
	if (!p || paired(d, p->alias))
		return 0;
	*ret_alias = strdup(p->alias);
	*ret_mac = strdup(p->mac);
	return *ret_alias && *ret_mac ? 0 : -ENOMEM;
}

/* Start order (libvirt's ids grow) of the parsed and the unread domains. */
typedef struct VmEntry {
	int id;
	const DomainDef *def;	/* NULL: unread */
	const DomainUnread *unread;
} VmEntry;

static int cmp_entry(const void *a, const void *b)
{
	const VmEntry *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Why the VM's state is unknown this turn, if it is (plan.h U1): its XML,
 * its UUID, its kvmnet metadata or whether it is migrating (G1) could not
 * be read. */
static int vm_state(PlanVm *vm, virConnectPtr conn, const VmEntry *e, const char **ret_migration, char **ret_cause)
{
	const char *uuid = e->def ? e->def->uuid : e->unread->uuid;
	bool managed = true;
	int r;

	if (e->unread) {
		vm->unknown = PLAN_UNKNOWN_DEFINITION;
		return asprintf(ret_cause, "its live XML cannot be read: %s", e->unread->error) < 0 ? -ENOMEM : 0;
	}
	if (!uuid || uuid_parse(uuid, vm->uuid) < 0) {
		vm->unknown = PLAN_UNKNOWN_UUID;
		return asprintf(ret_cause, "its UUID '%.64s' does not parse", uuid ? uuid : "") < 0 ? -ENOMEM : 0;
	}
	r = virt_domain_managed_why(conn, uuid, &managed, ret_cause);
	if (r == -ENOENT)
		return r; /* it stopped since the listing */
	if (r < 0) {
		vm->unknown = PLAN_UNKNOWN_METADATA;
		return *ret_cause ? 0 : -ENOMEM;
	}
	vm->opted_out = !managed;
	/* A policy that does not parse: unknown (U1), never a VF set half. */
	r = managed ? virt_domain_vf_policy(conn, uuid, &vm->vf_policy, ret_cause) : 0;
	if (r == -ENOENT)
		return r;
	if (r < 0) {
		vm->unknown = PLAN_UNKNOWN_METADATA;
		return *ret_cause ? 0 : -ENOMEM;
	}
	r = virt_domain_migration(conn, uuid, &vm->migrating, ret_migration, ret_cause);
	if (r < 0) {
		vm->unknown = PLAN_UNKNOWN_JOB;
		return *ret_cause ? 0 : -ENOMEM;
	}
	return 0;
}

/* Whether a VF is the transient member of a failover pair whose
 * persistent member is one of the VM's NICs. */
static bool vf_teamed(const DomainDef *d)
{
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (d->ifaces[k].teaming == DOMAIN_TEAMING_PERSISTENT && d->ifaces[k].alias && paired(d, d->ifaces[k].alias))
			return true;
	return false;
}

static int observe_vm(Observation *o, virConnectPtr conn, const VmEntry *e)
{
	size_t v = o->in.n_vms;
	PlanVm *vm = &o->vms[v];
	const char *name = e->def ? e->def->name : e->unread->name;
	const char *uuid = e->def ? e->def->uuid : e->unread->uuid;
	int r;

	o->vm_names[v] = strdup(name ? name : "?");
	o->vm_uuids[v] = strdup(uuid ? uuid : "");
	o->in.n_vms++;
	if (!o->vm_names[v] || !o->vm_uuids[v])
		return -ENOMEM;
	vm->name = o->vm_names[v];
	r = vm_state(vm, conn, e, &o->vm_migrations[v], &o->vm_unknowns[v]);
	if (r < 0 || !e->def)
		return r;
	o->vm_teamed[v] = vf_teamed(e->def);
	if (observe_team(e->def, &o->vm_team_aliases[v], &o->vm_team_macs[v]) < 0)
		return -ENOMEM;
	/* The plan gives the pair's MAC to the VM's first VF; a MAC that
	 * does not parse (never from libvirt) leaves it the derived one. */
	vm->has_team_mac = o->vm_team_macs[v] && ether_addr_parse(o->vm_team_macs[v], vm->team_mac) >= 0;
	return 0;
}

static void drop_last_vm(Observation *o)
{
	size_t v = --o->in.n_vms;

	free(o->vm_names[v]);
	free(o->vm_uuids[v]);
	free(o->vm_team_aliases[v]);
	free(o->vm_team_macs[v]);
	free(o->vm_unknowns[v]);
	o->vm_names[v] = o->vm_uuids[v] = o->vm_team_aliases[v] = o->vm_team_macs[v] = o->vm_unknowns[v] = NULL;
	o->vms[v] = (PlanVm){ 0 };
}

/* Every running domain is a VM of the plan, the unread ones too (unknown):
 * left out, a VM's VFs would look free or given by hand. */
static int observe_vms(Observation *o, virConnectPtr conn, const DomainList *l, const DomainDef ***ret_defs)
{
	size_t n = l->n + l->n_unread;
	_cleanup_free_ VmEntry *e = calloc(n + 1, sizeof(VmEntry));
	_cleanup_free_ const DomainDef **defs = calloc(n + 1, sizeof(DomainDef *));
	int r;

	o->vms = calloc(n + 1, sizeof(PlanVm));
	o->vm_names = calloc(n + 1, sizeof(char *));
	o->vm_uuids = calloc(n + 1, sizeof(char *));
	o->vm_team_aliases = calloc(n + 1, sizeof(char *));
	o->vm_team_macs = calloc(n + 1, sizeof(char *));
	o->vm_unknowns = calloc(n + 1, sizeof(char *));
	o->vm_migrations = calloc(n + 1, sizeof(char *));
	o->vm_teamed = calloc(n + 1, sizeof(bool));
	if (!e || !defs || !o->vms || !o->vm_names || !o->vm_uuids || !o->vm_team_aliases || !o->vm_team_macs ||
	    !o->vm_unknowns || !o->vm_migrations || !o->vm_teamed)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		e[i] = (VmEntry){ .id = l->defs[i]->id, .def = l->defs[i] };
	for (size_t i = 0; i < l->n_unread; i++)
		e[l->n + i] = (VmEntry){ .id = l->unread[i].id, .unread = &l->unread[i] };
	/* Serve VMs in the order they started. */
	qsort(e, n, sizeof(VmEntry), cmp_entry);
	for (size_t i = 0; i < n; i++) {
		r = observe_vm(o, conn, &e[i]);
		if (r == -ENOENT) {
			/* Stopped since the listing: it runs no more, and is
			 * not unknown (its holdings, if any, stay listed as
			 * someone else's until the next turn). */
			drop_last_vm(o);
			continue;
		}
		if (r < 0)
			return r;
		defs[o->in.n_vms - 1] = e[i].def;
	}
	*ret_defs = TAKE_PTR(defs);
	return 0;
}

static int vm_index_of(const Observation *o, const char *name)
{
	for (size_t i = 0; i < o->in.n_vms; i++)
		if (streq(o->vm_names[i], name))
			return (int)i;
	return -1;
}

static int vm_index_by_uuid(const Observation *o, const char *uuid)
{
	for (size_t i = 0; uuid && i < o->in.n_vms; i++)
		if (streq(o->vm_uuids[i], uuid))
			return (int)i;
	return -1;
}

/* An unreadable driver link is not "no driver" (plan.h U3). */
static int driver_of(const char *vf_addr, PlanVfDriver *ret, char **ret_cause)
{
	_cleanup_free_ char *drv = NULL;
	int r = sriov_vf_driver(vf_addr, &drv);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		*ret = PLAN_DRIVER_UNKNOWN;
		return asprintf(ret_cause, "the driver link of %s cannot be read: %s", vf_addr, strerror(-r)) < 0
			       ? -ENOMEM
			       : 0;
	}
	*ret = !drv ? PLAN_DRIVER_NONE : streq(drv, "vfio-pci") ? PLAN_DRIVER_VFIO : PLAN_DRIVER_OTHER;
	return 0;
}

static void classify_vf(const Observation *o, const Journal *j, const PciAddr *pf, PlanVf *vf, const char *addr)
{
	const char *uuid = NULL;

	vf->use = PLAN_VF_FREE;
	vf->vm = -1;
	for (size_t h = 0; h < o->n_holders; h++) {
		if (!streq(o->holders[h].pci_addr, addr))
			continue;
		vf->vm = vm_index_of(o, o->holders[h].domain);
		vf->use = PLAN_VF_FOREIGN;
		if (vf->vm < 0 || !journal_is_attached(j, pf, vf->index, &uuid))
			return;
		/* Ours only if the journal names the very VM that holds it;
		 * which it cannot tell of a VM whose UUID does not parse. */
		if (o->vms[vf->vm].unknown == PLAN_UNKNOWN_UUID)
			vf->use = PLAN_VF_UNKNOWN;
		else if (streq(uuid, o->vm_uuids[vf->vm])) {
			vf->use = PLAN_VF_OURS;
			/* plan.h D1: the pair's transient member, its virtio
			 * NIC (the persistent one) in the live XML too */
			vf->teamed = o->holder_teamed[h] && o->vm_teamed[vf->vm];
		}
		return;
	}
}

/* A VF whose holder cannot be known: it stays with the VM the journal
 * gave it to, if any (plan.h U3). */
static void vf_use_unknown(const Observation *o, const Journal *j, const PciAddr *pf, PlanVf *vf)
{
	const char *uuid = NULL;

	vf->use = PLAN_VF_UNKNOWN;
	vf->vm = journal_is_attached(j, pf, vf->index, &uuid) ? vm_index_by_uuid(o, uuid) : -1;
}

/* The first listed VM whose definition could not be read, or NULL. */
static const char *unread_vm(const Observation *o)
{
	for (size_t i = 0; i < o->in.n_vms; i++)
		if (o->vms[i].unknown == PLAN_UNKNOWN_DEFINITION)
			return o->vm_names[i];
	return NULL;
}

static int observe_vf(Observation *o, const Journal *j, ObservedPf *p, PlanPf *pp, unsigned k, const char *addr)
{
	size_t at = pp->n_vfs++;
	PlanVf *vf = &p->vfs[at];
	char **cause = &p->vf_unknowns[at];
	const char *unread = unread_vm(o);
	int r;

	*vf = (PlanVf){ .index = k, .vm = -1 };
	if (!addr || pci_addr_parse(addr, &vf->addr) < 0) {
		vf->driver = PLAN_DRIVER_UNKNOWN;
		vf_use_unknown(o, j, &pp->addr, vf);
		r = addr ? asprintf(cause, "its address '%.32s' (virtfn%u) does not parse", addr, k)
			 : asprintf(cause, "its virtfn%u link is missing or cannot be read", k);
		return r < 0 ? -ENOMEM : 0;
	}
	p->vf_addrs[at] = strdup(addr);
	if (!p->vf_addrs[at])
		return -ENOMEM;
	r = driver_of(addr, &vf->driver, cause);
	if (r < 0)
		return r;
	classify_vf(o, j, &pp->addr, vf, addr);
	if (vf->use == PLAN_VF_UNKNOWN && !*cause &&
	    asprintf(cause, "%s is held by VM %s, whose UUID does not parse: whether kvmnetd gave it is unknown", addr,
		     o->vm_names[vf->vm]) < 0)
		return -ENOMEM;
	/* Held by no domain that could be read: perhaps by the one that
	 * could not. */
	if (unread && vf->use == PLAN_VF_FREE) {
		vf_use_unknown(o, j, &pp->addr, vf);
		if (!*cause && asprintf(cause, "%s may be held by VM %s, whose live XML cannot be read", addr, unread) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The PF is unknown this turn (plan.h U4): no VF listed, numvfs kept. */
_printf_(3, 4) static int pf_unknown(ObservedPf *p, PlanPf *pp, const char *fmt, ...)
{
	va_list ap;
	int r;

	pp->unknown = PLAN_UNKNOWN_SYSFS;
	pp->numvfs = pp->totalvfs = 0;
	va_start(ap, fmt);
	r = vasprintf(&p->unknown, fmt, ap);
	va_end(ap);
	return r < 0 ? -ENOMEM : 0;
}

static int observe_pf(Observation *o, const Journal *j, const ConfigPf *cpf)
{
	_cleanup_sriov_pf_ SriovPf *sp = NULL;
	char name[IF_NAMESIZE + PCI_ADDR_STRLEN];
	ObservedPf *p = &o->pfs[o->n_pfs];
	PlanPf *pp = &o->plan_pfs[o->n_pfs];
	const JournalPf *jp;
	int r;

	config_pf_to_string(cpf, name);
	*p = (ObservedPf){ .name = strdup(name), .autoprobe = -1, .vfs = calloc(1, sizeof(PlanVf)) };
	*pp = (PlanPf){ .name = p->name, .vfs = p->vfs };
	o->n_pfs++;
	if (!p->name || !p->vfs)
		return -ENOMEM;
	r = pci_resolve_name(name, &p->addr);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return pf_unknown(p, pp, "its PCI address cannot be found: %s", strerror(-r));
	if (pci_addr_parse(p->addr, &pp->addr) < 0) {
		r = pf_unknown(p, pp, "its PCI address '%.32s' does not parse", p->addr);
		pp->unknown = PLAN_UNKNOWN_ADDRESS;
		return r;
	}
	jp = journal_find_pf(j, &pp->addr);
	pp->numvfs_ours = jp && jp->numvfs_changed;
	r = sriov_pf_read(p->addr, &sp);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return pf_unknown(p, pp, "its SR-IOV attributes cannot be read: %s", strerror(-r));
	if (sp->totalvfs < 0 || sp->numvfs < 0 || sp->numvfs > sp->totalvfs)
		return pf_unknown(p, pp, "sriov_totalvfs or sriov_numvfs cannot be read");
	p->autoprobe = sp->drivers_autoprobe;
	pp->totalvfs = (unsigned)sp->totalvfs;
	pp->numvfs = (unsigned)sp->numvfs;
	{
		_cleanup_pci_function_ PciFunction *f = NULL;

		/* The PF's netdev carries the VF attributes over rtnetlink;
		 * its node places VMs' VFs (plan.h N1-N3; unread: none). */
		r = pci_function_read(p->addr, &f);
		pp->has_node = r == 0 && f->numa_node >= 0;
		pp->node = pp->has_node ? (unsigned)f->numa_node : 0;
		if (r == 0 && f->netdevs && f->netdevs[0]) {
			p->ifname = strdup(f->netdevs[0]);
			if (!p->ifname)
				return -ENOMEM;
		}
	}
	free(p->vfs);
	p->vfs = calloc(pp->numvfs + 1, sizeof(PlanVf));
	p->vf_addrs = calloc(pp->numvfs + 1, sizeof(char *));
	p->vf_unknowns = calloc(pp->numvfs + 1, sizeof(char *));
	pp->vfs = p->vfs;
	if (!p->vfs || !p->vf_addrs || !p->vf_unknowns)
		return -ENOMEM;
	/* Every VF numvfs says exists is listed, known or not: one left out
	 * would look absent, and its PF free to resize. */
	for (unsigned k = 0; k < pp->numvfs; k++) {
		r = observe_vf(o, j, p, pp, k, k < sp->n_vfs ? sp->vf_addrs[k] : NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool pf_known(const Observation *o, const PciAddr *addr)
{
	for (size_t p = 0; p < o->n_pfs; p++)
		if (o->plan_pfs[p].unknown == PLAN_KNOWN && pci_addr_equal(&o->plan_pfs[p].addr, addr))
			return true;
	return false;
}

/* A VM the journal gave a VF of a PF that cannot be read holds what is
 * unknown (plan.h U1): not to be given more on top of it. */
static int vms_holding_unknown(Observation *o, const Journal *j)
{
	bool any = false;

	for (size_t p = 0; p < o->n_pfs; p++)
		any |= o->plan_pfs[p].unknown != PLAN_KNOWN;
	for (size_t i = 0; any && i < j->n_attached; i++) {
		const JournalAttach *a = &j->attached[i];
		int vm = vm_index_by_uuid(o, a->vm_uuid);
		char buf[PCI_ADDR_STRLEN];

		if (vm < 0 || o->vms[vm].unknown != PLAN_KNOWN || pf_known(o, &a->pf))
			continue;
		o->vms[vm].unknown = PLAN_UNKNOWN_HOLDS;
		if (asprintf(&o->vm_unknowns[vm], "kvmnetd gave it VF %u of PF %s, which cannot be read", a->vf,
			     pci_addr_format(&a->pf, buf)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Whether addr is a VF some PF listed this turn. */
static bool vf_listed(const Observation *o, const char *addr)
{
	for (size_t p = 0; p < o->n_pfs; p++)
		for (size_t k = 0; o->pfs[p].vf_addrs && k < o->plan_pfs[p].n_vfs; k++)
			if (o->pfs[p].vf_addrs[k] && streq(o->pfs[p].vf_addrs[k], addr))
				return true;
	return false;
}

/* The first PF that is unknown or has a VF whose address cannot be read,
 * or NULL when every VF of every PF is listed. */
static const char *pf_partly_listed(const Observation *o)
{
	for (size_t p = 0; p < o->n_pfs; p++) {
		if (o->plan_pfs[p].unknown != PLAN_KNOWN)
			return o->pfs[p].name;
		for (size_t k = 0; k < o->plan_pfs[p].n_vfs; k++)
			if (!o->pfs[p].vf_addrs[k])
				return o->pfs[p].name;
	}
	return NULL;
}

/* 1 with *ret the cause, formatted: what may_be_unlisted_vf() returns
 * for a VM it makes unknown. */
static int holds_unknown(char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(ret, fmt, ap);
	va_end(ap);
	return r < 0 ? -ENOMEM : 1;
}

/* Whether a PCI function no PF listed this turn may still be a VF of one
 * of them (1, *ret_cause saying why, for the log), or surely is not (0):
 * no physfn link in a device that is there (a GPU, a NIC of its own), or
 * a VF of a PF that is not configured.  A physfn that cannot be read or
 * does not parse, or a configured PF whose own address is unknown (it may
 * be that one), leaves it possible. */
static int may_be_unlisted_vf(const Observation *o, const char *addr, const char *pf, char **ret_cause)
{
	_cleanup_free_ char *physfn = NULL;
	const char *unresolved = NULL;
	PciAddr a;
	int r;

	*ret_cause = NULL;
	r = sriov_physfn(addr, &physfn);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return holds_unknown(ret_cause, "it holds %s, which may be a VF of PF %s (its physfn cannot be read: %s)",
				     addr, pf, strerror(-r));
	if (!physfn)
		return 0;
	if (pci_addr_parse(physfn, &a) < 0)
		return holds_unknown(ret_cause, "it holds %s, whose physfn names '%.32s', no PCI address", addr, physfn);
	for (size_t p = 0; p < o->n_pfs; p++) {
		if (!o->pfs[p].addr || o->plan_pfs[p].unknown == PLAN_UNKNOWN_ADDRESS)
			unresolved = o->pfs[p].name;
		else if (pci_addr_equal(&o->plan_pfs[p].addr, &a))
			return holds_unknown(ret_cause, "it holds %s, a VF of PF %s, whose VFs cannot all be read", addr,
					     o->pfs[p].name);
	}
	if (unresolved)
		return holds_unknown(ret_cause, "it holds %s, a VF of %s, which may be PF %s (its address is unknown)",
				     addr, physfn, unresolved);
	return 0;
}

/* A VM holding a PCI function that is none of the VFs listed, while some
 * VFs could not be listed, may hold one of those by hand: it is unknown
 * (plan.h U1), never given a VF on top of it.  (With all listed, such a
 * function is no VF of these PFs, and the VM an ordinary one.) */
static int vms_holding_unlisted(Observation *o)
{
	const char *pf = pf_partly_listed(o);

	for (size_t h = 0; pf && h < o->n_holders; h++) {
		const char *addr = o->holders[h].pci_addr;
		int vm = vm_index_of(o, o->holders[h].domain);
		int r;

		if (vm < 0 || o->vms[vm].unknown != PLAN_KNOWN || vf_listed(o, addr))
			continue;
		r = may_be_unlisted_vf(o, addr, pf, &o->vm_unknowns[vm]);
		if (r < 0)
			return r;
		if (r > 0)
			o->vms[vm].unknown = PLAN_UNKNOWN_HOLDS;
	}
	return 0;
}

int observe(const Config *c, const Journal *j, virConnectPtr conn, Observation **ret, char **ret_error)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	_cleanup_free_ const DomainDef **defs = NULL;
	Observation *o;
	int r;

	r = virt_domains_running_partial(conn, &l, ret_error);
	if (r < 0)
		return r;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->pfs = calloc(c->n_pfs ? c->n_pfs : 1, sizeof(ObservedPf));
	o->plan_pfs = calloc(c->n_pfs ? c->n_pfs : 1, sizeof(PlanPf));
	r = o->pfs && o->plan_pfs ? observe_holders(o, l) : -ENOMEM;
	/* VMs first (VF holders refer to them), then PFs, then which VMs
	 * keep a NIC of their own (which needs the PFs' VFs). */
	if (r >= 0)
		r = observe_vms(o, conn, l, &defs);
	for (unsigned i = 0; r >= 0 && i < c->n_pfs; i++)
		r = observe_pf(o, j, &c->pfs[i]);
	if (r >= 0)
		r = vms_holding_unknown(o, j);
	if (r >= 0)
		r = vms_holding_unlisted(o);
	if (r >= 0)
		r = observe_numa(o, defs);
	for (size_t v = 0; r >= 0 && v < o->in.n_vms; v++)
		if (defs[v])
			o->vms[v].has_other_nic = has_other_nic(defs[v], j, o);
	if (r < 0) {
		observation_free(o);
		return r;
	}
	irq_vcpu_pinned_cpus(l->defs, l->n, &o->vcpu_pinned);
	o->vcpu_pinned_partial = l->n_unread > 0;
	o->in = (PlanInput){
		.params = { .threshold = c->threshold,
			    .vfs_per_vm = c->vfs_per_vm,
			    .min_dwell_us = c->min_dwell_us,
			    .headroom = c->headroom == CONFIG_HEADROOM_MAX ? PLAN_HEADROOM_MAX : c->headroom,
			    .numa = c->numa,
			    .resize_drain = c->resize_drain },
		.vms = o->vms,
		.n_vms = o->in.n_vms,
		.pfs = o->plan_pfs,
		.n_pfs = o->n_pfs,
		.mode = { .active = j->active, .below_since_us = j->below_since_us },
	};
	*ret = o;
	return 0;
}

static int push_pair(char ***l, const char *what, const char *cause)
{
	int r = strv_extend(l, what);

	return r < 0 ? r : strv_extend(l, cause ? cause : "unknown");
}

int observation_unknowns(const Observation *o, char ***ret)
{
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	char what[128 + IF_NAMESIZE + PCI_ADDR_STRLEN];
	int r = l ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < o->in.n_vms; i++)
		if (o->vms[i].unknown != PLAN_KNOWN) {
			snprintf(what, sizeof(what), "VM %.100s", o->vm_names[i]);
			r = push_pair(&l, what, o->vm_unknowns[i]);
		}
	for (size_t p = 0; r >= 0 && p < o->n_pfs; p++) {
		if (o->plan_pfs[p].unknown != PLAN_KNOWN) {
			snprintf(what, sizeof(what), "PF %s", o->pfs[p].name);
			r = push_pair(&l, what, o->pfs[p].unknown);
		}
		for (size_t k = 0; r >= 0 && k < o->plan_pfs[p].n_vfs; k++) {
			const PlanVf *vf = &o->pfs[p].vfs[k];

			if (vf->use != PLAN_VF_UNKNOWN && vf->driver != PLAN_DRIVER_UNKNOWN)
				continue;
			snprintf(what, sizeof(what), "VF %u of PF %s", vf->index, o->pfs[p].name);
			r = push_pair(&l, what, o->pfs[p].vf_unknowns[k]);
		}
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}
