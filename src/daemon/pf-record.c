/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/pf-record.h"

void pf_records_free(PfRecords *r)
{
	if (!r)
		return;
	free(r->v);
	*r = (PfRecords){};
}

const PfRecord *pf_records_find(const PfRecords *r, const PciAddr *addr)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (pci_addr_equal(&r->v[i].addr, addr))
			return &r->v[i];
	return NULL;
}

static PfRecord *pf_records_get(PfRecords *r, const PciAddr *addr)
{
	PfRecord *v;

	for (size_t i = 0; i < r->n; i++)
		if (pci_addr_equal(&r->v[i].addr, addr))
			return &r->v[i];
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	r->v = v;
	v[r->n] = (PfRecord){ .addr = *addr };
	return &v[r->n++];
}

int pf_records_decide(const PfRecords *r, Observation *o, uint64_t now_mono_us, Plan **ret)
{
	for (size_t p = 0; p < o->n_pfs; p++) {
		const PfRecord *rec = pf_records_find(r, &o->plan_pfs[p].addr);

		o->plan_pfs[p].numvfs_refused = rec ? rec->retry.refused : 0;
		o->plan_pfs[p].numvfs_hold = false;
	}
	/* Each round holds one PF more, or ends. */
	for (size_t round = 0;; round++) {
		Plan *plan = NULL;
		bool held = false;
		int k = plan_decide(&o->in, &plan);

		if (k < 0)
			return k;
		for (size_t i = 0; i < plan->n_actions; i++) {
			const PlanAction *a = &plan->actions[i];
			PlanPf *pp = a->type == PLAN_SET_NUMVFS ? &o->plan_pfs[a->pf] : NULL;
			const PfRecord *rec = pp ? pf_records_find(r, &pp->addr) : NULL;

			if (rec && !pp->numvfs_hold && !numvfs_retry_allows(&rec->retry, a->numvfs, now_mono_us))
				held = pp->numvfs_hold = true;
		}
		if (!held || round > o->n_pfs) {
			*ret = plan;
			return 0;
		}
		plan_free(plan);
	}
}

/* What the VMs need on PF pf: the plan without headroom.  UINT_MAX when
 * it cannot be told, which is no fallback. */
static unsigned need_on(const Observation *o, int pf)
{
	_cleanup_plan_free_ Plan *p = NULL;
	PlanInput in = o->in;

	in.params.headroom = 0;
	if (plan_decide(&in, &p) < 0)
		return UINT_MAX;
	return p->pf_target[pf];
}

static const char *errno_name(int error)
{
	const char *n = strerrorname_np(abs(error));

	return n ? n : "?";
}

static void log_failure(const PfRecord *rec, const char *pf)
{
	const NumvfsRetry *s = &rec->retry;
	const char *why = strerror(abs(s->error)), *name = errno_name(s->error);

	switch (s->next) {
	case NUMVFS_NEXT_RETRY:
		log_warning("PF %s refused sriov_numvfs %u: %s (%s), write %u of at most %u; trying again in %.1f s", pf,
			    s->count, why, name, s->attempts, NUMVFS_RETRY_MAX,
			    (double)numvfs_retry_backoff_us(s->attempts) / 1e6);
		break;
	case NUMVFS_NEXT_FALLBACK:
		log_warning("PF %s refused sriov_numvfs %u: %s (%s): it cannot have that many VFs; falling back to what "
			    "the VMs need, %u, without headroom",
			    pf, s->count, why, name, s->need);
		break;
	case NUMVFS_NEXT_GIVE_UP:
	default:
		log_error("PF %s refused sriov_numvfs %u: %s (%s), write %u; giving that count up: it is not written "
			  "again until the VMs need another or kvmnetd restarts",
			  pf, s->count, why, name, s->attempts);
		break;
	}
}

static void numvfs_done(PfRecord *rec, const PlanAction *a, const ApplyOutcome *out, const char *pf)
{
	if (rec->retry.next != NUMVFS_NEXT_NONE)
		log_info("PF %s took sriov_numvfs %u (after sriov_numvfs %u failed %u time(s): %s)", pf, a->numvfs,
			 rec->retry.count, rec->retry.attempts, errno_name(rec->retry.error));
	numvfs_retry_succeeded(&rec->retry, a->numvfs);
	if (!out->changed)
		return;
	rec->numvfs_timed = true;
	rec->numvfs_us = out->duration_us;
	rec->numvfs_to = a->numvfs;
}

int pf_records_action(PfRecords *r, const Observation *o, const PlanAction *a, const ApplyOutcome *out,
		      uint64_t now_mono_us)
{
	PfRecord *rec;

	if ((a->type != PLAN_SET_NUMVFS && a->type != PLAN_BIND_VFIO) || !out->engine || a->pf < 0 ||
	    (size_t)a->pf >= o->n_pfs)
		return 0;
	rec = pf_records_get(r, &o->plan_pfs[a->pf].addr);
	if (!rec)
		return -ENOMEM;
	if (a->type == PLAN_BIND_VFIO) {
		/* A failed bind waited for its timeout: not how long one takes. */
		if (out->error == 0 && out->changed) {
			rec->binds++;
			rec->bind_last_us = out->duration_us;
			if (out->duration_us > rec->bind_max_us)
				rec->bind_max_us = out->duration_us;
		}
		return 0;
	}
	if (out->error == 0) {
		numvfs_done(rec, a, out, o->pfs[a->pf].name);
		return 0;
	}
	numvfs_retry_failed(&rec->retry, a->numvfs, need_on(o, a->pf), out->error, now_mono_us);
	log_failure(rec, o->pfs[a->pf].name);
	return 0;
}

int pf_records_retry_ms(const PfRecords *r, uint64_t now_mono_us)
{
	uint64_t first = 0, ms;

	for (size_t i = 0; i < r->n; i++) {
		uint64_t at = numvfs_retry_wakeup(&r->v[i].retry);

		if (at && (!first || at < first))
			first = at;
	}
	if (!first)
		return -1;
	ms = first > now_mono_us ? (first - now_mono_us + 999) / 1000 : 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static json_object *seconds(bool set, uint64_t us)
{
	return set ? json_object_new_double((double)us / 1e6) : NULL;
}

static json_object *failure_json(const NumvfsRetry *s, uint64_t now_mono_us)
{
	json_object *f = json_object_new_object();

	json_object_object_add(f, "count", json_object_new_int((int)s->count));
	json_object_object_add(f, "errno", json_object_new_int(abs(s->error)));
	json_object_object_add(f, "error", json_object_new_string(errno_name(s->error)));
	json_object_object_add(f, "message", json_object_new_string(strerror(abs(s->error))));
	json_object_object_add(f, "attempts", json_object_new_int((int)s->attempts));
	json_object_object_add(f, "next", json_object_new_string(numvfs_next_to_string(s->next)));
	json_object_object_add(f, "need", s->need == UINT_MAX ? NULL : json_object_new_int((int)s->need));
	json_object_object_add(f, "retry_in_ms",
			       s->next == NUMVFS_NEXT_RETRY
				       ? json_object_new_int64(s->retry_at_us > now_mono_us
								       ? (int64_t)((s->retry_at_us - now_mono_us) / 1000)
								       : 0)
				       : NULL);
	return f;
}

/* K2: the count the PF refused for want of resources, for good. */
static json_object *refused_json(const NumvfsRetry *s)
{
	json_object *f = json_object_new_object();

	json_object_object_add(f, "count", json_object_new_int((int)s->refused));
	json_object_object_add(f, "errno", json_object_new_int(abs(s->refused_error)));
	json_object_object_add(f, "error", json_object_new_string(errno_name(s->refused_error)));
	json_object_object_add(f, "message", json_object_new_string(strerror(abs(s->refused_error))));
	return f;
}

void pf_record_add_json(const PfRecord *rec, json_object *pf, uint64_t now_mono_us)
{
	bool numvfs = rec && rec->numvfs_timed, binds = rec && rec->binds > 0;

	json_object_object_add(pf, "numvfs_change_seconds", seconds(numvfs, numvfs ? rec->numvfs_us : 0));
	json_object_object_add(pf, "numvfs_change_to", numvfs ? json_object_new_int((int)rec->numvfs_to) : NULL);
	json_object_object_add(pf, "vfio_bind_seconds", seconds(binds, binds ? rec->bind_last_us : 0));
	json_object_object_add(pf, "vfio_bind_max_seconds", seconds(binds, binds ? rec->bind_max_us : 0));
	json_object_object_add(pf, "vfio_binds", json_object_new_int(rec ? (int)rec->binds : 0));
	json_object_object_add(pf, "numvfs_refused", rec && rec->retry.refused ? refused_json(&rec->retry) : NULL);
	json_object_object_add(pf, "numvfs_failure",
			       rec && rec->retry.next != NUMVFS_NEXT_NONE ? failure_json(&rec->retry, now_mono_us)
									  : NULL);
}
