/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/observe.h"
#include "host/netdev.h"
#include "host/pci.h"
#include "host/sriov.h"
#include "virt/domains.h"
#include "virt/metadata.h"

void observation_free(Observation *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_pfs; i++) {
		ObservedPf *p = &o->pfs[i];

		for (size_t k = 0; k < o->plan_pfs[i].n_vfs; k++)
			free(p->vf_addrs[k]);
		free(p->vf_addrs);
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
	}
	for (size_t i = 0; i < o->n_holders; i++) {
		free((char *)o->holders[i].pci_addr);
		free((char *)o->holders[i].domain);
		free(o->holder_macs[i]);
	}
	free(o->holders);
	free(o->holder_macs);
	free(o->vm_names);
	free(o->vm_uuids);
	free(o->vm_team_aliases);
	free(o->vm_team_macs);
	free(o->vms);
	free(o->pfs);
	free(o->plan_pfs);
	strv_free(o->problems);
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

const char *observation_holder_mac(const Observation *o, const char *addr)
{
	for (size_t i = 0; addr && i < o->n_holders; i++)
		if (streq(o->holders[i].pci_addr, addr))
			return o->holder_macs[i];
	return NULL;
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

static int cmp_id(const void *a, const void *b)
{
	const DomainDef *x = *(DomainDef *const *)a, *y = *(DomainDef *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The MAC of the <interface> holding the PCI function addr, in any of the
 * running domains' live XML; NULL when none names it. */
static const char *iface_mac_of(const DomainList *l, const PciAddr *addr)
{
	for (size_t d = 0; d < l->n; d++)
		for (size_t i = 0; i < l->defs[d]->n_ifaces; i++) {
			const PciAddr *pci = domain_iface_pci(&l->defs[d]->ifaces[i]);

			if (pci && pci_addr_equal(pci, addr))
				return l->defs[d]->ifaces[i].mac;
		}
	return NULL;
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
	if (!o->holders || !o->holder_macs)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const char *mac = iface_mac_of(l, &m->items[i].addr);
		char buf[PCI_ADDR_STRLEN];

		o->holders[i].pci_addr = strdup(pci_addr_format(&m->items[i].addr, buf));
		o->holders[i].domain = strdup(m->items[i].domain);
		o->holder_macs[i] = mac ? strdup(mac) : NULL;
		o->n_holders++;
		if (!o->holders[i].pci_addr || !o->holders[i].domain || (mac && !o->holder_macs[i]))
			return -ENOMEM;
	}
	return 0;
}

static bool pairs_with(DomainTeaming t, const char *persistent, const char *alias)
{
	return t == DOMAIN_TEAMING_TRANSIENT && persistent && streq(persistent, alias);
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
	if (!p)
		return 0;
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (pairs_with(d->ifaces[k].teaming, d->ifaces[k].teaming_persistent, p->alias))
			return 0;
	for (size_t k = 0; k < d->n_hostdevs; k++)
		if (pairs_with(d->hostdevs[k].teaming, d->hostdevs[k].teaming_persistent, p->alias))
			return 0;
	*ret_alias = strdup(p->alias);
	*ret_mac = strdup(p->mac);
	return *ret_alias && *ret_mac ? 0 : -ENOMEM;
}

static int observe_vms(Observation *o, virConnectPtr conn, DomainList *l)
{
	/* Serve VMs in the order they started: libvirt's ids grow. */
	qsort(l->defs, l->n, sizeof(l->defs[0]), cmp_id);
	o->vms = calloc(l->n ? l->n : 1, sizeof(PlanVm));
	o->vm_names = calloc(l->n ? l->n : 1, sizeof(char *));
	o->vm_uuids = calloc(l->n ? l->n : 1, sizeof(char *));
	o->vm_team_aliases = calloc(l->n ? l->n : 1, sizeof(char *));
	o->vm_team_macs = calloc(l->n ? l->n : 1, sizeof(char *));
	if (!o->vms || !o->vm_names || !o->vm_uuids || !o->vm_team_aliases || !o->vm_team_macs)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const DomainDef *d = l->defs[i];
		PlanVm *vm = &o->vms[o->in.n_vms];
		bool managed = true;

		if (!d->uuid || uuid_parse(d->uuid, vm->uuid) < 0)
			continue;
		/* Metadata that cannot be read: leave the VM alone this round. */
		if (virt_domain_managed(conn, d->uuid, &managed) < 0)
			managed = false;
		o->vm_names[o->in.n_vms] = strdup(d->name);
		o->vm_uuids[o->in.n_vms] = strdup(d->uuid);
		if (!o->vm_names[o->in.n_vms] || !o->vm_uuids[o->in.n_vms])
			return -ENOMEM;
		vm->name = o->vm_names[o->in.n_vms];
		vm->opted_out = !managed;
		o->in.n_vms++;
		if (observe_team(d, &o->vm_team_aliases[o->in.n_vms - 1], &o->vm_team_macs[o->in.n_vms - 1]) < 0)
			return -ENOMEM;
		/* The plan gives the pair's MAC to the VM's first VF; a MAC that
		 * does not parse (never from libvirt) leaves it the derived one. */
		vm->has_team_mac = o->vm_team_macs[o->in.n_vms - 1] &&
				   ether_addr_parse(o->vm_team_macs[o->in.n_vms - 1], vm->team_mac) >= 0;
	}
	return 0;
}

static int vm_index_of(const Observation *o, const char *name)
{
	for (size_t i = 0; i < o->in.n_vms; i++)
		if (streq(o->vm_names[i], name))
			return (int)i;
	return -1;
}

static PlanVfDriver driver_of(const char *vf_addr)
{
	_cleanup_pci_function_ PciFunction *f = NULL;

	if (pci_function_read(vf_addr, &f) < 0 || !f->driver)
		return PLAN_DRIVER_NONE;
	return streq(f->driver, "vfio-pci") ? PLAN_DRIVER_VFIO : PLAN_DRIVER_OTHER;
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
		/* Ours only if the journal names the very VM that holds it. */
		if (vf->vm >= 0 && journal_is_attached(j, pf, vf->index, &uuid) && streq(uuid, o->vm_uuids[vf->vm]))
			vf->use = PLAN_VF_OURS;
		return;
	}
}

static int observe_pf(Observation *o, const Journal *j, const ConfigPf *cpf)
{
	_cleanup_sriov_pf_ SriovPf *sp = NULL;
	_cleanup_free_ char *addr = NULL;
	char name[IF_NAMESIZE + PCI_ADDR_STRLEN];
	ObservedPf *p = &o->pfs[o->n_pfs];
	PlanPf *pp = &o->plan_pfs[o->n_pfs];
	const JournalPf *jp;
	int r;

	config_pf_to_string(cpf, name);
	r = pci_resolve_name(name, &addr);
	if (r >= 0)
		r = sriov_pf_read(addr, &sp);
	if (r < 0 || sp->totalvfs < 0 || sp->numvfs < 0) {
		char *msg = NULL;

		if (asprintf(&msg, "PF %s: %s", name, r < 0 ? strerror(-r) : "sriov_totalvfs or sriov_numvfs unreadable") < 0)
			return -ENOMEM;
		return strv_push(&o->problems, msg) < 0 ? (free(msg), -ENOMEM) : 0;
	}
	*p = (ObservedPf){ .addr = TAKE_PTR(addr), .name = strdup(name), .autoprobe = sp->drivers_autoprobe };
	if (!p->name)
		return -ENOMEM;
	{
		_cleanup_pci_function_ PciFunction *f = NULL;

		/* The PF's netdev carries the VF attributes over rtnetlink. */
		if (pci_function_read(p->addr, &f) == 0 && f->netdevs && f->netdevs[0]) {
			p->ifname = strdup(f->netdevs[0]);
			if (!p->ifname)
				return -ENOMEM;
		}
	}
	p->vfs = calloc(sp->n_vfs ? sp->n_vfs : 1, sizeof(PlanVf));
	p->vf_addrs = calloc(sp->n_vfs ? sp->n_vfs : 1, sizeof(char *));
	if (!p->vfs || !p->vf_addrs)
		return -ENOMEM;
	*pp = (PlanPf){ .name = p->name, .totalvfs = (unsigned)sp->totalvfs, .numvfs = (unsigned)sp->numvfs,
			.vfs = p->vfs };
	pci_addr_parse(p->addr, &pp->addr);
	jp = journal_find_pf(j, &pp->addr);
	pp->numvfs_ours = jp && jp->numvfs_changed;
	o->n_pfs++;
	for (size_t k = 0; k < sp->n_vfs; k++) {
		PlanVf *vf = &p->vfs[pp->n_vfs];

		if (!sp->vf_addrs[k] || pci_addr_parse(sp->vf_addrs[k], &vf->addr) < 0)
			continue;
		p->vf_addrs[pp->n_vfs] = strdup(sp->vf_addrs[k]);
		if (!p->vf_addrs[pp->n_vfs])
			return -ENOMEM;
		vf->index = (unsigned)k;
		vf->driver = driver_of(sp->vf_addrs[k]);
		classify_vf(o, j, &pp->addr, vf, sp->vf_addrs[k]);
		pp->n_vfs++;
	}
	return 0;
}

int observe(const Config *c, const Journal *j, virConnectPtr conn, Observation **ret, char **ret_error)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	Observation *o;
	int r;

	r = virt_domains_running(conn, &l, ret_error);
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
		r = observe_vms(o, conn, l);
	for (unsigned i = 0; r >= 0 && i < c->n_pfs; i++)
		r = observe_pf(o, j, &c->pfs[i]);
	for (size_t i = 0, v = 0; r >= 0 && i < l->n && v < o->in.n_vms; i++)
		if (l->defs[i]->uuid && streq(l->defs[i]->uuid, o->vm_uuids[v]))
			o->vms[v++].has_other_nic = has_other_nic(l->defs[i], j, o);
	if (r < 0) {
		observation_free(o);
		return r;
	}
	o->in = (PlanInput){
		.params = { .threshold = c->threshold,
			    .vfs_per_vm = c->vfs_per_vm,
			    .min_dwell_us = c->min_dwell_us,
			    .headroom = c->headroom == CONFIG_HEADROOM_MAX ? PLAN_HEADROOM_MAX : c->headroom },
		.vms = o->vms,
		.n_vms = o->in.n_vms,
		.pfs = o->plan_pfs,
		.n_pfs = o->n_pfs,
		.mode = { .active = j->active, .below_since_us = j->below_since_us },
	};
	*ret = o;
	return 0;
}
