/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/deadline.h"
#include "basic/ether-addr.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/apply.h"
#include "host/rtnl-vf.h"
#include "act/sriov.h"
#include "act/vf-policy.h"
#include "virt/domains.h"
#include "virt/vf-attach.h"
#include "virt/virt-conn.h"

/* The plan names VFs by index: the observed address, or the engine's
 * read of it now for a VF made by this plan's numvfs change. */
static char *vf_addr_now(const ApplyContext *c, int pf, int vf)
{
	const char *seen = observation_vf_addr(c->obs, pf, vf);
	char *now = NULL;

	if (seen)
		return strdup(seen);
	return sriov_vf_addr_now(c->obs->pfs[pf].addr, vf, &now) < 0 ? NULL : now;
}

/* "<what>: <strerror>" into *ret_error; returns r. */
__attribute__((format(printf, 3, 4))) static int fail(char **ret_error, int r, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;
	int n;

	if (!ret_error)
		return r;
	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(ret_error, "%s: %s", what, strerror(-r)) < 0)
		*ret_error = NULL;
	return r;
}

/* The engine's report says which write failed and what it undid. */
static int engine_fail(char **ret_error, int r, const SriovReport *rep)
{
	_cleanup_free_ char *undone = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&undone, &len);
	if (f) {
		STRV_FOREACH(u, rep->undone)
			fprintf(f, "; %s", *u);
		fclose(f);
	}
	if (ret_error && asprintf(ret_error, "%s%s", rep->failed ? rep->failed : strerror(-r), undone ? undone : "") < 0)
		*ret_error = NULL;
	return r;
}

/* The engine's answer and how long it took, for the caller. */
static void outcome(const ApplyContext *c, int r, uint64_t t0, const SriovReport *rep)
{
	if (c->outcome)
		*c->outcome = (ApplyOutcome){ .engine = true,
					      .changed = r < 0 || (rep->done && rep->done[0]),
					      .error = r < 0 ? r : 0,
					      .duration_us = now_monotonic_us() - t0 };
}

static int save(const ApplyContext *c, char **ret_error)
{
	int r = journal_save(c->journal, c->state_dir);

	return r < 0 ? fail(ret_error, r, "saving the journal in %s", c->state_dir) : 0;
}

/* numvfs 0 followed, in the same plan, by a nonzero count on the same PF
 * is a resize through 0, not the end of the split: the originals stay. */
static bool resizing(const ApplyContext *c, const PlanAction *a)
{
	bool after = false;

	for (size_t i = 0; c->plan && i < c->plan->n_actions; i++) {
		const PlanAction *b = &c->plan->actions[i];

		if (b == a)
			after = true;
		else if (after && b->type == PLAN_SET_NUMVFS && b->pf == a->pf && b->numvfs > 0)
			return true;
	}
	return false;
}

static int set_numvfs(const ApplyContext *c, const PlanAction *a, char **ret_error)
{
	const ObservedPf *p = &c->obs->pfs[a->pf];
	const PlanPf *pp = &c->obs->plan_pfs[a->pf];
	SriovOptions opts = { 0 };
	SriovReport rep = { 0 };
	Rtnl *rtnl = NULL;
	uint64_t t0;
	int r;

	r = journal_record_numvfs(c->journal, &pp->addr, pp->numvfs, p->autoprobe);
	if (r >= 0)
		r = save(c, ret_error);
	if (r < 0)
		return r;
	/* The engine brings the PF up: libvirt refuses VFs of a PF that is down. */
	if (a->numvfs > 0 && rtnl_open(&rtnl) >= 0)
		opts.rtnl = rtnl;
	t0 = now_monotonic_us();
	r = sriov_set_numvfs(p->addr, (int)a->numvfs, c->obs->holders, c->obs->n_holders, &opts, NULL, &rep);
	outcome(c, r, t0, &rep);
	rtnl_close(rtnl);
	if (r < 0) {
		r = engine_fail(ret_error, r, &rep);
		sriov_report_done(&rep);
		return r;
	}
	sriov_report_done(&rep);
	if (a->numvfs > 0 || resizing(c, a))
		return 0;
	/* The split is over on this PF: give autoprobe back as found. */
	{
		const JournalPf *jp = journal_find_pf(c->journal, &pp->addr);

		if (jp && jp->autoprobe >= 0) {
			r = sriov_set_autoprobe(p->addr, jp->autoprobe != 0, &rep);
			sriov_report_done(&rep);
			if (r < 0)
				return fail(ret_error, r, "restoring sriov_drivers_autoprobe of %s", p->addr);
		}
	}
	journal_forget_pf(c->journal, &pp->addr);
	return save(c, ret_error);
}

static int bind_vfio(const ApplyContext *c, const PlanAction *a, char **ret_error)
{
	const ObservedPf *p = &c->obs->pfs[a->pf];
	_cleanup_free_ char *vf = vf_addr_now(c, a->pf, a->vf);
	_cleanup_free_ char *override = NULL;
	SriovOptions opts = { 0 };
	SriovReport rep = { 0 };
	uint64_t t0;
	int r;

	/* The original, read right before the change it goes into the
	 * journal for; a VF that cannot be read has no known original: no
	 * bind then. */
	r = vf ? sriov_vf_override(vf, &override) : -ENOENT;
	if (r < 0)
		return fail(ret_error, r, "reading driver_override of VF %d of %s", a->vf, p->addr);
	r = journal_record_vf(c->journal, &c->obs->plan_pfs[a->pf].addr, (unsigned)a->vf, override, NULL);
	if (r >= 0)
		r = save(c, ret_error);
	if (r < 0)
		return r;
	t0 = now_monotonic_us();
	r = sriov_vf_bind(p->addr, a->vf, SRIOV_BIND_VFIO, c->obs->holders, c->obs->n_holders, &opts, &rep);
	outcome(c, r, t0, &rep);
	if (r < 0)
		r = engine_fail(ret_error, r, &rep);
	sriov_report_done(&rep);
	return r;
}

/* The MAC found, read right before the change, into the journal: a VF
 * that outlives the split (a PF someone else split) gets it back at
 * revert.  The override goes with it when the VF has no record yet. */
static int record_vf_mac(const ApplyContext *c, const PlanAction *a, Rtnl *rtnl, char **ret_error)
{
	const ObservedPf *p = &c->obs->pfs[a->pf];
	_cleanup_free_ char *vf = vf_addr_now(c, a->pf, a->vf), *override = NULL;
	_cleanup_free_ VfConfig *now = NULL;
	const VfConfig *one;
	size_t n = 0;
	int r;

	r = vf ? sriov_vf_override(vf, &override) : -ENOENT;
	if (r < 0)
		return fail(ret_error, r, "reading driver_override of VF %d of %s", a->vf, p->addr);
	r = rtnl_vf_read(rtnl, p->ifname, &now, &n);
	if (r < 0)
		return fail(ret_error, r, "reading the VFs of %s", p->ifname);
	one = vf_config_find(now, n, (uint32_t)a->vf);
	if (!one)
		return fail(ret_error, -ENOENT, "VF %d of %s: the PF does not report it", a->vf, p->ifname);
	r = journal_record_vf(c->journal, &c->obs->plan_pfs[a->pf].addr, (unsigned)a->vf, override, one->mac);
	return r < 0 ? fail(ret_error, r, "journal") : save(c, ret_error);
}

/* Hand why (owned) to the caller with r; when the NIC refused the VM's
 * policy (not its MAC), say so: the VM waits (P1). */
static int policy_failed(const ApplyContext *c, int r, bool policy_refused, char **ret_error, char *why)
{
	if (policy_refused && c->outcome)
		c->outcome->vf_policy_refused = true;
	if (ret_error)
		*ret_error = why;
	else
		free(why);
	return r;
}

/* The VF's MAC and the VM's policy (P1), all or nothing (act/vf-policy.h). */
static int set_vf_mac(const ApplyContext *c, const PlanAction *a, char **ret_error)
{
	const ObservedPf *p = &c->obs->pfs[a->pf];
	VfConfig want = a->policy;
	_cleanup_rtnl_ Rtnl *rtnl = NULL;
	char *why = NULL;
	VfSetResult res = {};
	int r;

	/* Without a PF netdev there is no rtnetlink; libvirt sets the MAC from
	 * the interface XML at attach anyway, but nothing of a policy. */
	if (!p->ifname) {
		if (!(c->obs->vms[a->vm].vf_policy.mask & ~VF_ATTR_BIT(VF_ATTR_MAC)))
			return 0;
		if (asprintf(&why, "PF %s has no netdev: its VFs' policy cannot be set over rtnetlink", p->name) < 0)
			why = NULL;
		return policy_failed(c, -EOPNOTSUPP, true, ret_error, why);
	}
	want.index = (uint32_t)a->vf;
	want.mask |= VF_ATTR_BIT(VF_ATTR_MAC);
	memcpy(want.mac, a->mac, sizeof(want.mac));
	r = rtnl_open(&rtnl);
	if (r < 0)
		return fail(ret_error, r, "rtnetlink for %s", p->ifname);
	r = record_vf_mac(c, a, rtnl, ret_error);
	if (r < 0)
		return r;
	r = act_vf_set(rtnl, p->ifname, &want, &res, &why);
	if (r >= 0)
		return 0;
	return policy_failed(c, r, res.refused && res.attr != VF_ATTR_MAC, ret_error, why);
}

/* The VM's failover MAC, if it has a pair waiting for a VF. */
static bool team_mac(const Observation *o, int vm, uint8_t ret[static PLAN_MAC_LEN])
{
	return vm >= 0 && (size_t)vm < o->in.n_vms && o->vm_team_macs[vm] &&
	       ether_addr_parse(o->vm_team_macs[vm], ret) >= 0;
}

/* The alias to pair an attached VF with: only the VF that carries the
 * persistent member's MAC (the plan gives it to the first VF) joins its
 * pair. */
static const char *team_alias(const Observation *o, const PlanAction *a)
{
	uint8_t mac[PLAN_MAC_LEN];

	if (!team_mac(o, a->vm, mac) || memcmp(a->mac, mac, PLAN_MAC_LEN) != 0)
		return NULL;
	return o->vm_team_aliases[a->vm];
}

/* libvirt matches a detached <interface> by its MAC; with only the PCI
 * source it finds the VM's other NICs too ("multiple matching devices").
 * The MAC is the one the live XML showed at the observation, whoever
 * chose it; the alias tells a failover pair's transient member from its
 * persistent one, which has the same MAC (found in the lab: without it
 * no teamed VF could ever be detached). */
static int detach(const ApplyContext *c, virDomainPtr dom, VfInterface *vf, char **ret_error)
{
	observation_holder_iface(c->obs, vf->pci_addr, &vf->mac, &vf->alias);
	return vf_detach(dom, vf, ret_error);
}

/* 1 if the domain's live XML, read now, still holds addr, 0 if not,
 * -errno when it cannot be read or parsed (then it is not known). */
static int still_holds(const ApplyContext *c, const char *uuid, const char *addr)
{
	_cleanup_domain_def_ DomainDef *def = NULL;
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	PciAddr a;
	int r;

	r = pci_addr_parse(addr, &a);
	if (r < 0)
		return r;
	r = virt_domain_get(c->conn, uuid, 0, &def, NULL, NULL, NULL);
	if (r < 0)
		return r;
	r = pci_holders_build(&def, 1, &m);
	if (r < 0)
		return r;
	return pci_holders_find(m, &a) != NULL;
}

/* libvirt says the VF is not in the domain: a guest that released it
 * between the observation and this request (libvirt's unplug completes
 * when the guest acknowledges, seconds later) leaves nothing to do.
 * Only the domain's XML read again tells that from a VF still held under
 * another MAC or alias: held, or unreadable, it stays a failure. */
static int detach_missing(const ApplyContext *c, const PlanAction *a, const char *addr, char **ret_error)
{
	int r = still_holds(c, c->obs->vm_uuids[a->vm], addr);

	if (r != 0)
		return -ENODEV;
	log_info("VM %s had already released VF %s; nothing to detach", c->obs->vm_names[a->vm], addr);
	if (ret_error) {
		free(*ret_error);
		*ret_error = NULL;
	}
	return 0;
}

int apply_attach_begin(const ApplyContext *c, const PlanAction *a, ApplyAttach *ret, char **ret_error)
{
	_cleanup_free_ char *vf_addr = vf_addr_now(c, a->pf, a->vf);
	const char *alias = team_alias(c->obs, a);
	ApplyAttach at = { .pf = c->obs->plan_pfs[a->pf].addr, .vf = (unsigned)a->vf };

	/* libvirt sets the hostdev's VLAN at attach, 0 without <vlan>: it
	 * must say the policy's, or it would undo it. */
	if (a->policy.mask & VF_ATTR_BIT(VF_ATTR_VLAN))
		at.vlan = a->policy.vlan;
	int r;

	if (!vf_addr)
		return fail(ret_error, -ENOENT, "VF of %s named by the plan is gone", c->obs->pfs[a->pf].addr);
	ether_addr_format(a->mac, at.mac);
	at.uuid = strdup(c->obs->vm_uuids[a->vm]);
	at.vm_name = strdup(c->obs->vm_names[a->vm]);
	at.alias = alias ? strdup(alias) : NULL;
	if (!at.uuid || !at.vm_name || (alias && !at.alias)) {
		apply_attach_free(&at);
		return fail(ret_error, -ENOMEM, "attach");
	}
	/* Written ahead: killed after the attach, the next start finds the
	 * VF held by this VM and knows it is ours. */
	r = journal_add_attach(c->journal, at.uuid, &at.pf, at.vf);
	if (r >= 0)
		r = save(c, ret_error);
	if (r < 0) {
		journal_remove_attach(c->journal, &at.pf, at.vf);
		apply_attach_free(&at);
		return r;
	}
	at.vf_addr = TAKE_PTR(vf_addr);
	*ret = at;
	return 0;
}

int apply_attach_call(virConnectPtr conn, const ApplyAttach *at, char **ret_error)
{
	VfInterface vf = { .pci_addr = at->vf_addr, .mac = at->mac, .vlan = at->vlan, .teaming_persistent = at->alias };
	virDomainPtr dom;
	int r;

	dom = virDomainLookupByUUIDString(conn, at->uuid);
	if (!dom)
		return fail(ret_error, virt_error_take(NULL), "domain %s", at->vm_name);
	r = vf_attach(dom, &vf, ret_error);
	virDomainFree(dom);
	return r;
}

void apply_attach_end(const ApplyContext *c, ApplyAttach *at, int r)
{
	if (r < 0) {
		int q;

		journal_remove_attach(c->journal, &at->pf, at->vf);
		/* Harmless if it stays on disk: an entry counts only while the
		 * VM it names holds the VF. */
		q = journal_save(c->journal, c->state_dir);
		if (q < 0)
			log_warning_errno(q, "Saving the journal in %s after the failed attach: %m; it names the VF "
					  "attached until the next save", c->state_dir);
	}
	apply_attach_free(at);
}

void apply_attach_free(ApplyAttach *at)
{
	free(at->uuid);
	free(at->vm_name);
	free(at->alias);
	free(at->vf_addr);
	*at = (ApplyAttach){ 0 };
}

static int attach(const ApplyContext *c, const PlanAction *a, char **ret_error)
{
	ApplyAttach at;
	int r = apply_attach_begin(c, a, &at, ret_error);

	if (r < 0)
		return r;
	r = apply_attach_call(c->conn, &at, ret_error);
	apply_attach_end(c, &at, r);
	return r;
}

/* The journal entry goes when the VF is seen free again: a detach is only
 * a request to the guest. */
static int detach_action(const ApplyContext *c, const PlanAction *a, char **ret_error)
{
	_cleanup_free_ char *vf_addr = vf_addr_now(c, a->pf, a->vf);
	VfInterface vf = { .pci_addr = vf_addr };
	virDomainPtr dom;
	int r;

	if (!vf_addr)
		return fail(ret_error, -ENOENT, "VF of %s named by the plan is gone", c->obs->pfs[a->pf].addr);
	dom = virDomainLookupByUUIDString(c->conn, c->obs->vm_uuids[a->vm]);
	if (!dom)
		return fail(ret_error, virt_error_take(NULL), "domain %s", c->obs->vm_names[a->vm]);
	r = detach(c, dom, &vf, ret_error);
	virDomainFree(dom);
	if (r == -ENODEV)
		r = detach_missing(c, a, vf_addr, ret_error);
	return r;
}

int apply_action(const ApplyContext *c, const PlanAction *a, char **ret_error)
{
	switch (a->type) {
	case PLAN_SET_NUMVFS:
		return set_numvfs(c, a, ret_error);
	case PLAN_BIND_VFIO:
		return bind_vfio(c, a, ret_error);
	case PLAN_SET_VF_MAC:
		return set_vf_mac(c, a, ret_error);
	case PLAN_ATTACH:
		return attach(c, a, ret_error);
	case PLAN_DETACH:
		return detach_action(c, a, ret_error);
	case PLAN_WAIT:
	case _PLAN_ACTION_MAX:
		break;
	}
	return 0;
}
