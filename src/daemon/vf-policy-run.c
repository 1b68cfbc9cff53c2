/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "act/vf-policy.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "core/vf-policy.h"
#include "daemon/vf-policy-run.h"
#include "host/rtnl-vf.h"
#include "model/vf-policy.h"

static void refusal_clear(VfRefusal *f)
{
	free(f->uuid);
	free(f->name);
	free(f->cause);
}

void vf_refusals_free(VfRefusals *r)
{
	for (size_t i = 0; i < r->n; i++)
		refusal_clear(&r->v[i]);
	free(r->v);
	*r = (VfRefusals){};
}

static VfRefusal *find(const VfRefusals *r, const char *uuid)
{
	for (size_t i = 0; uuid && i < r->n; i++)
		if (streq(r->v[i].uuid, uuid))
			return &r->v[i];
	return NULL;
}

const char *vf_refusals_cause(const VfRefusals *r, const char *uuid)
{
	const VfRefusal *f = find(r, uuid);

	return f ? f->cause : NULL;
}

static bool same_policy(const VfConfig *a, const VfConfig *b)
{
	return a->mask == b->mask && vf_config_satisfied(a, b);
}

int vf_refusals_add(VfRefusals *r, const Observation *o, int vm, const char *cause, uint64_t now_us)
{
	VfRefusal n = { .uuid = strdup(o->vm_uuids[vm]), .name = strdup(o->vm_names[vm]),
			.policy = o->vms[vm].vf_policy, .cause = strdup(cause ? cause : "refused"), .attempts = 1 };
	VfRefusal *f = find(r, o->vm_uuids[vm]), *m;

	if (!n.uuid || !n.name || !n.cause) {
		refusal_clear(&n);
		return -ENOMEM;
	}
	if (f && same_policy(&f->policy, &n.policy))
		n.attempts = f->attempts + 1;
	n.retry_at_us = now_us + vf_policy_retry_delay_us(n.attempts);
	log_info("VM %s: its VF policy is tried again in %llu s (refusal %u in a row)", n.name,
		 (unsigned long long)(vf_policy_retry_delay_us(n.attempts) / 1000000), n.attempts);
	if (f) {
		refusal_clear(f);
		*f = n;
		return 0;
	}
	m = realloc(r->v, (r->n + 1) * sizeof(*m));
	if (!m) {
		refusal_clear(&n);
		return -ENOMEM;
	}
	r->v = m;
	r->v[r->n++] = n;
	return 0;
}

static int vm_by_uuid(const Observation *o, const char *uuid)
{
	for (size_t i = 0; i < o->in.n_vms; i++)
		if (streq(o->vm_uuids[i], uuid))
			return (int)i;
	return -1;
}

static void drop(VfRefusals *r, size_t i)
{
	refusal_clear(&r->v[i]);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
}

void vf_refusals_forget(VfRefusals *r, const Observation *o, int vm)
{
	VfRefusal *f = find(r, o->vm_uuids[vm]);

	if (f)
		drop(r, (size_t)(f - r->v));
}

int vf_refusals_retry_ms(const VfRefusals *r, uint64_t now_us)
{
	uint64_t first = UINT64_MAX;

	/* One already due was tried by the turn that saw it due (or could
	 * not be: then only another event can change that). */
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].retry_at_us > now_us && r->v[i].retry_at_us < first)
			first = r->v[i].retry_at_us;
	if (first == UINT64_MAX)
		return -1;
	return (int)((first - now_us + 999) / 1000);
}

void vf_refusals_mark(VfRefusals *r, Observation *o, uint64_t now_us)
{
	for (size_t i = 0; i < r->n;) {
		VfRefusal *f = &r->v[i];
		int vm = vm_by_uuid(o, f->uuid);

		if (vm >= 0 && o->vms[vm].unknown != PLAN_KNOWN) {
			i++;
			continue;
		}
		if (vm >= 0 && same_policy(&o->vms[vm].vf_policy, &f->policy)) {
			/* Due: the plan tries it; another refusal doubles the wait. */
			o->vms[vm].vf_policy_refused = now_us < f->retry_at_us;
			i++;
			continue;
		}
		if (vm >= 0)
			log_info("VM %s: its VF policy changed since the NIC refused it; trying the new one", f->name);
		drop(r, i);
	}
}

/* One drifted VF: its policy sent again, and said. */
static void reapply_one(VfRefusals *r, const Observation *o, Rtnl *rtnl, const VfReapply *x, bool dry_run,
			uint64_t now_us)
{
	const char *vm = o->vm_names[x->vm], *pf = o->pfs[x->pf].name;
	_cleanup_free_ char *want = NULL, *live = NULL, *err = NULL;
	VfConfig have = x->live;
	VfSetResult res = {};
	int e;

	have.mask &= x->want.mask;
	if (vf_policy_format(&x->want, &want) < 0 || vf_policy_format(&have, &live) < 0) {
		log_warning("Re-applying a VF policy: out of memory");
		return;
	}
	if (dry_run) {
		log_info("dry run: would re-apply VM %s's VF policy on VF %u of PF %s (live: %s; policy: %s)", vm, x->vf,
			 pf, live, want);
		return;
	}
	e = act_vf_set(rtnl, o->pfs[x->pf].ifname, &x->want, &res, &err);
	if (e >= 0) {
		log_info("VM %s: VF %u of PF %s had drifted from its VF policy (live: %s); re-applied %s", vm, x->vf, pf,
			 live, want);
		vf_refusals_forget(r, o, x->vm);
		return;
	}
	log_warning_errno(e, "VM %s: re-applying its VF policy (%s) on VF %u of PF %s: %s", vm, want, x->vf, pf,
			  err ? err : "failed");
	/* It keeps the VF (a refusal takes nothing away); the policy is not
	 * sent again until it changes, and status says why. */
	if (res.refused && res.attr != VF_ATTR_MAC && vf_refusals_add(r, o, x->vm, err, now_us) < 0)
		log_warning("Remembering a refused VF policy: out of memory");
}

void vf_policy_reapply_run(VfRefusals *r, const Observation *o, bool dry_run, uint64_t now_us)
{
	_cleanup_free_ VfConfig **live = calloc(o->n_pfs + 1, sizeof(VfConfig *));
	_cleanup_free_ size_t *n_live = calloc(o->n_pfs + 1, sizeof(size_t));
	_cleanup_free_ VfReapply *todo = NULL;
	_cleanup_rtnl_ Rtnl *rtnl = NULL;
	size_t n = 0;
	bool any = false;
	int e;

	for (size_t i = 0; i < o->in.n_vms; i++)
		any |= (o->vms[i].vf_policy.mask & ~VF_ATTR_BIT(VF_ATTR_MAC)) != 0;
	if (!any || !live || !n_live || rtnl_open(&rtnl) < 0)
		return;
	for (size_t p = 0; p < o->n_pfs; p++) {
		if (!o->pfs[p].ifname || o->plan_pfs[p].unknown != PLAN_KNOWN)
			continue;
		e = rtnl_vf_read(rtnl, o->pfs[p].ifname, &live[p], &n_live[p]);
		if (e < 0)
			log_debug_errno(e, "Reading the VFs of %s for their policies: %m", o->pfs[p].ifname);
	}
	e = vf_policy_reapplies(&o->in, (const VfConfig *const *)live, n_live, &todo, &n);
	for (size_t i = 0; e >= 0 && i < n; i++)
		reapply_one(r, o, rtnl, &todo[i], dry_run, now_us);
	for (size_t p = 0; p < o->n_pfs; p++)
		free(live[p]);
}
