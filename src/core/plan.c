/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "plan.h"
#include "vf-policy.h"
#include "plan-numa.h"

/* Working state of one decision.  Per-VF arrays are flat: the VFs of PF p
 * (by VF index, 0..totalvfs-1) start at slot_off[p]. */
typedef struct Work {
	const PlanInput *in;
	Plan *plan;
	size_t cap;
	size_t *slot_off;  /* per PF */
	signed char *slot; /* per VF index: SLOT_* */
	bool *bind;	   /* per VF index: emit BIND_VFIO */
	bool *keep;	   /* per listed VF (in->pfs[p].vfs[i], flat): kept attached */
	size_t *vf_off;	   /* per PF: offset of its listed VFs in keep[] */
	unsigned *kept;	   /* per VM: the daemon's VFs it keeps */
	bool *hand;	   /* per VM: holds a VF by hand */
	bool *locked;	   /* per PF, once this plan's detaches are done */
	unsigned *n_avail; /* per PF: VFs left to give */
	unsigned *cursor;  /* per PF: next VF index to look at */
	PlanWait short_wait; /* why VMs go without, computed on first need */
	int short_pf;
} Work;

enum {
	SLOT_ABSENT,	/* no such VF (beyond numvfs) */
	SLOT_BUSY,	/* exists, not ours to give */
	SLOT_FREE,	/* exists (or will), bound to vfio-pci (or will be), may be given */
	SLOT_RAW,	/* exists, driverless, may be given once bound */
	SLOT_GIVEN,	/* given in this plan */
};

static int validate_pf(const PlanInput *in, const PlanPf *pf, bool *seen)
{
	if (pf->numvfs > pf->totalvfs || pf->n_vfs > pf->numvfs || (pf->n_vfs && !pf->vfs))
		return -EINVAL;
	/* An unknown PF's VFs are unknown too: none is listed (U4). */
	if ((unsigned)pf->unknown >= _PLAN_UNKNOWN_MAX || (pf->unknown != PLAN_KNOWN && pf->n_vfs))
		return -EINVAL;
	memset(seen, 0, pf->totalvfs);
	for (size_t i = 0; i < pf->n_vfs; i++) {
		const PlanVf *vf = &pf->vfs[i];

		if (vf->index >= pf->numvfs || seen[vf->index])
			return -EINVAL;
		seen[vf->index] = true;
		if (vf->vm < -1 || (vf->vm >= 0 && (size_t)vf->vm >= in->n_vms))
			return -EINVAL;
		if (vf->use == PLAN_VF_FREE && vf->vm != -1)
			return -EINVAL;
		if ((unsigned)vf->use > PLAN_VF_UNKNOWN || (unsigned)vf->driver > PLAN_DRIVER_UNKNOWN)
			return -EINVAL;
	}
	return 0;
}

static int validate(const PlanInput *in, size_t *ret_slots, size_t *ret_vfs)
{
	_cleanup_free_ bool *seen = NULL;
	size_t slots = 0, vfs = 0, max_total = 0;
	int r;

	if (in->params.threshold == 0 || in->params.vfs_per_vm == 0 || in->params.vfs_per_vm > 1024 ||
	    (unsigned)in->params.numa >= _PLAN_NUMA_MAX ||
	    (in->n_vms && !in->vms) || (in->n_pfs && !in->pfs))
		return -EINVAL;
	for (size_t vm = 0; vm < in->n_vms; vm++)
		if ((unsigned)in->vms[vm].unknown >= _PLAN_UNKNOWN_MAX || (unsigned)in->vms[vm].numa >= _PLAN_NUMA_MAX)
			return -EINVAL;
	for (size_t p = 0; p < in->n_pfs; p++) {
		/* 65535 is the most the SR-IOV capability's TotalVFs can say. */
		if (in->pfs[p].totalvfs > 65535)
			return -EINVAL;
		if (in->pfs[p].totalvfs > max_total)
			max_total = in->pfs[p].totalvfs;
		slots += in->pfs[p].totalvfs;
		vfs += in->pfs[p].n_vfs;
	}
	seen = malloc(max_total + 1);
	if (!seen)
		return -ENOMEM;
	for (size_t p = 0; p < in->n_pfs; p++) {
		r = validate_pf(in, &in->pfs[p], seen);
		if (r < 0)
			return r;
	}
	*ret_slots = slots;
	*ret_vfs = vfs;
	return 0;
}

static void work_free(Work *w)
{
	free(w->slot_off);
	free(w->slot);
	free(w->bind);
	free(w->keep);
	free(w->vf_off);
	free(w->kept);
	free(w->hand);
	free(w->locked);
	free(w->n_avail);
	free(w->cursor);
}

static int work_init(Work *w, const PlanInput *in, Plan *plan)
{
	size_t slots, vfs, np = in->n_pfs, nv = in->n_vms;
	int r;

	r = validate(in, &slots, &vfs);
	if (r < 0)
		return r;
	*w = (Work){ .in = in, .plan = plan, .short_pf = -1 };
	w->slot_off = calloc(np + 1, sizeof(size_t));
	w->vf_off = calloc(np + 1, sizeof(size_t));
	w->slot = calloc(slots + 1, 1);
	w->bind = calloc(slots + 1, sizeof(bool));
	w->keep = calloc(vfs + 1, sizeof(bool));
	w->kept = calloc(nv + 1, sizeof(unsigned));
	w->hand = calloc(nv + 1, sizeof(bool));
	w->locked = calloc(np + 1, sizeof(bool));
	w->n_avail = calloc(np + 1, sizeof(unsigned));
	w->cursor = calloc(np + 1, sizeof(unsigned));
	plan->pf_target = calloc(np + 1, sizeof(unsigned));
	plan->pf_spare = calloc(np + 1, sizeof(unsigned));
	plan->vms = calloc(nv + 1, sizeof(PlanVmStatus));
	plan->pf_drain = calloc(np + 1, sizeof(PlanDrain));
	/* Bound on actions: a DETACH or WAIT per listed VF, two SET_NUMVFS
	 * per PF, a BIND per possible VF, MAC + ATTACH per wanted VF, a WAIT
	 * per VM, two per PF (held, unknown), the dwell's and the unknowns'. */
	w->cap = 2 * vfs + 5 * np + slots + 2 * nv * in->params.vfs_per_vm + nv + 2;
	plan->actions = calloc(w->cap, sizeof(PlanAction));
	if (!w->slot_off || !w->vf_off || !w->slot || !w->bind || !w->keep || !w->kept || !w->hand ||
	    !w->locked || !w->n_avail || !w->cursor || !plan->pf_target || !plan->pf_spare || !plan->vms || !plan->actions ||
	    !plan->pf_drain)
		return -ENOMEM;
	for (size_t p = 0; p < np; p++) {
		plan->pf_drain[p].vf = plan->pf_drain[p].vm = -1;
		w->slot_off[p + 1] = w->slot_off[p] + in->pfs[p].totalvfs;
		w->vf_off[p + 1] = w->vf_off[p] + in->pfs[p].n_vfs;
	}
	return 0;
}

static PlanAction *emit(Work *w, PlanActionType type, int vm, int pf, int vf)
{
	PlanAction *a;

	/* The bound in work_init() is exact enough that this cannot happen;
	 * stay safe if a later change breaks it. */
	if (w->plan->n_actions >= w->cap)
		abort();
	a = &w->plan->actions[w->plan->n_actions++];
	*a = (PlanAction){ .type = type, .vm = vm, .pf = pf, .vf = vf };
	return a;
}

static void emit_wait(Work *w, PlanWait why, int vm, int pf)
{
	emit(w, PLAN_WAIT, vm, pf, -1)->wait = why;
}

/* U2: unknown VMs count toward keeping the split, never toward starting
 * it; while they could make M1 reach the threshold, the dwell does not run. */
static void update_mode(Work *w, unsigned m1, unsigned n_unknown)
{
	const PlanInput *in = w->in;
	Plan *plan = w->plan;

	plan->mode = in->mode;
	if (m1 >= in->params.threshold) {
		plan->mode.active = true;
		plan->mode.below_since_us = 0;
	} else if (!plan->mode.active)
		plan->mode.below_since_us = 0;
	else if (m1 + n_unknown >= in->params.threshold) {
		plan->mode.below_since_us = 0;
		emit_wait(w, PLAN_WAIT_UNKNOWN, -1, -1);
	} else {
		if (plan->mode.below_since_us == 0 || plan->mode.below_since_us > in->now_us)
			plan->mode.below_since_us = in->now_us;
		if (in->now_us - plan->mode.below_since_us >= in->params.min_dwell_us) {
			plan->mode.active = false;
			plan->mode.below_since_us = 0;
		} else
			plan->wakeup_us = plan->mode.below_since_us + in->params.min_dwell_us;
	}
}

/* Whether the split wants this VM to keep one more of the daemon's VFs;
 * a VM whose state is unknown (U1) or that is migrating (G1) keeps all it
 * holds. */
static bool wants_vf(Work *w, int vm)
{
	if (w->in->vms[vm].unknown != PLAN_KNOWN || w->in->vms[vm].migrating)
		return true;
	return w->plan->mode.active && !w->in->vms[vm].opted_out && w->kept[vm] < w->in->params.vfs_per_vm;
}

/* U3: a VF that is not wholly known is left exactly as it is. */
static bool vf_unknown(const PlanVf *vf)
{
	return vf->use == PLAN_VF_UNKNOWN || vf->driver == PLAN_DRIVER_UNKNOWN;
}

/* Which of the daemon's VFs stay, which go.  Two passes: a VM keeps up to
 * vfs_per_vm first, then what it must lose is detached unless it is its
 * only NIC. */
static void decide_detaches(Work *w)
{
	const PlanInput *in = w->in;

	for (size_t p = 0; p < in->n_pfs; p++)
		for (size_t i = 0; i < in->pfs[p].n_vfs; i++) {
			const PlanVf *vf = &in->pfs[p].vfs[i];

			if (vf->use == PLAN_VF_FOREIGN && vf->vm >= 0)
				w->hand[vf->vm] = true;
			if (vf_unknown(vf)) {
				w->keep[w->vf_off[p] + i] = true;
				if (vf->vm >= 0 && vf->use != PLAN_VF_FOREIGN)
					w->kept[vf->vm]++;
				continue;
			}
			if (vf->use != PLAN_VF_OURS)
				continue;
			/* held by a domain we do not list: not ours to move */
			if (vf->vm < 0 || wants_vf(w, vf->vm)) {
				w->keep[w->vf_off[p] + i] = true;
				if (vf->vm >= 0)
					w->kept[vf->vm]++;
			}
		}
	for (size_t p = 0; p < in->n_pfs; p++)
		for (size_t i = 0; i < in->pfs[p].n_vfs; i++) {
			const PlanVf *vf = &in->pfs[p].vfs[i];

			if (vf->use != PLAN_VF_OURS || w->keep[w->vf_off[p] + i])
				continue;
			if (in->vms[vf->vm].has_other_nic || w->kept[vf->vm] > 0) {
				emit(w, PLAN_DETACH, vf->vm, (int)p, (int)vf->index);
				w->plan->vms[vf->vm].n_detach++;
				continue;
			}
			w->keep[w->vf_off[p] + i] = true;
			w->kept[vf->vm]++;
			w->plan->vms[vf->vm].wait = PLAN_WAIT_ONLY_NIC;
			w->plan->vms[vf->vm].wait_pf = (int)p;
			emit_wait(w, PLAN_WAIT_ONLY_NIC, vf->vm, (int)p);
		}
}

/* Mark each existing VF slot and whether the PF is locked: a VF still held
 * after the detaches, or bound to a host driver, forbids numvfs changes. */
static void mark_slots(Work *w)
{
	const PlanInput *in = w->in;

	for (size_t p = 0; p < in->n_pfs; p++) {
		signed char *slot = w->slot + w->slot_off[p];

		/* U4: an unknown PF's VF slots stay absent, never given */
		if (in->pfs[p].unknown != PLAN_KNOWN)
			w->locked[p] = true;
		for (size_t i = 0; i < in->pfs[p].n_vfs; i++) {
			const PlanVf *vf = &in->pfs[p].vfs[i];
			bool held = vf->use == PLAN_VF_FOREIGN || vf_unknown(vf) ||
				    (vf->use == PLAN_VF_OURS && w->keep[w->vf_off[p] + i]);

			if (held || vf->driver == PLAN_DRIVER_OTHER)
				w->locked[p] = true;
			/* a VF detached in this plan is given again next time,
			 * once libvirt has let go of it */
			if (held || vf->driver == PLAN_DRIVER_OTHER || vf->use == PLAN_VF_OURS)
				slot[vf->index] = SLOT_BUSY;
			else
				slot[vf->index] = vf->driver == PLAN_DRIVER_NONE ? SLOT_RAW : SLOT_FREE;
		}
	}
}

static bool pf_fixed(Work *w, size_t p)
{
	const PlanPf *pf = &w->in->pfs[p];

	return w->locked[p] || pf->numvfs_hold || (pf->numvfs > 0 && !pf->numvfs_ours);
}

/* K2: below a count the PF refused. */
static unsigned pf_cap(const PlanPf *pf)
{
	return pf->numvfs_refused > 0 && pf->numvfs_refused <= pf->totalvfs ? pf->numvfs_refused - 1 : pf->totalvfs;
}

/* Spread `want` VFs over the PFs that may be resized, evenly, each capped
 * at its totalvfs. */
static void water_fill(Work *w, unsigned want)
{
	const PlanInput *in = w->in;
	unsigned *t = w->plan->pf_target;
	bool more = true;

	for (size_t p = 0; p < in->n_pfs; p++)
		if (!pf_fixed(w, p))
			t[p] = 0;
	while (want > 0 && more) {
		more = false;
		for (size_t p = 0; p < in->n_pfs && want > 0; p++)
			if (!pf_fixed(w, p) && t[p] < pf_cap(&in->pfs[p])) {
				t[p]++;
				want--;
				more = true;
			}
	}
}

/* N1 plus the spare VFs, capped by what the PFs can have. */
static uint64_t with_headroom(const PlanInput *in, uint64_t want, uint64_t total)
{
	/* K2: a PF said it cannot have that many; ask only what is needed. */
	for (size_t p = 0; p < in->n_pfs; p++)
		if (in->pfs[p].numvfs_refused > 0)
			return want;
	if (in->params.headroom == PLAN_HEADROOM_MAX || want + in->params.headroom > total)
		return total;
	return want + in->params.headroom;
}

/* What a fixed PF serves: the daemon's VFs kept, and free VFs (not those
 * an unknown VM keeps: it is not in N1). */
static uint64_t pf_serves(Work *w, size_t p)
{
	const PlanInput *in = w->in;
	const signed char *slot = w->slot + w->slot_off[p];
	uint64_t n = 0;

	for (size_t i = 0; i < in->pfs[p].n_vfs; i++) {
		const PlanVf *vf = &in->pfs[p].vfs[i];

		bool serves = vf->vm >= 0 ? in->vms[vf->vm].unknown == PLAN_KNOWN : vf->use == PLAN_VF_OURS;

		if ((w->keep[w->vf_off[p] + i] && serves) || slot[vf->index] >= SLOT_FREE)
			n++;
	}
	return n;
}

static void drain_detach(Work *w, size_t p);

/* D1: PF p, unlocked, would grow; its target is made once its teamed VFs
 * are released (a later turn), the other PFs' as water_fill spreads it. */
static void drain_pf(Work *w, size_t p, uint64_t want, uint64_t fixed_rest, uint64_t total)
{
	const PlanInput *in = w->in;
	unsigned *t = w->plan->pf_target;
	_cleanup_free_ unsigned *saved = malloc((in->n_pfs + 1) * sizeof(unsigned));

	/* Out of memory: no drain this turn, nothing destroyed. */
	if (!saved)
		return;
	memcpy(saved, t, in->n_pfs * sizeof(unsigned));
	w->locked[p] = false;
	water_fill(w, (unsigned)(with_headroom(in, want, total) - fixed_rest));
	w->locked[p] = true;
	if (t[p] <= in->pfs[p].numvfs) {
		memcpy(t, saved, in->n_pfs * sizeof(unsigned));
		return;
	}
	w->plan->pf_drain[p].draining = true;
	w->plan->pf_drain[p].numvfs = t[p];
	t[p] = in->pfs[p].numvfs;
	drain_detach(w, p);
}

/* D1, D2: short even with every PF that may be resized at its most: the
 * first PF VMs would wait on as pf-busy that may be drained is. */
static void decide_drain(Work *w, uint64_t want, uint64_t fixed_serve, uint64_t total)
{
	const PlanInput *in = w->in;
	uint64_t flex_cap = 0;

	for (size_t p = 0; p < in->n_pfs; p++)
		if (!pf_fixed(w, p))
			flex_cap += pf_cap(&in->pfs[p]);
	if (want <= fixed_serve + flex_cap)
		return;
	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];
		PlanDrain *d = &w->plan->pf_drain[p];

		if (!w->locked[p] || pf->numvfs >= pf->totalvfs || !(pf->numvfs_ours || pf->numvfs == 0))
			continue;
		d->why = plan_drain_check(in, p, &d->vf, &d->vm);
		if (d->why != PLAN_DRAIN_NOT_ASKED)
			continue;
		drain_pf(w, p, want, fixed_serve - pf_serves(w, p), total);
		if (d->draining)
			return;
	}
}

/* Numvfs per PF while the split is active. */
static void targets_active(Work *w)
{
	const PlanInput *in = w->in;
	unsigned *t = w->plan->pf_target;
	uint64_t fixed_serve = 0, flex_now = 0, total = 0, want;

	for (size_t p = 0; p < in->n_pfs; p++) {
		total += in->pfs[p].totalvfs;
		t[p] = in->pfs[p].numvfs;
		if (!pf_fixed(w, p)) {
			flex_now += in->pfs[p].numvfs;
			continue;
		}
		fixed_serve += pf_serves(w, p);
	}
	/* A VM holding a VF given by hand counts in M1 but takes none; an
	 * unknown one takes none but keeps what it holds. */
	want = 0;
	for (size_t vm = 0; vm < in->n_vms; vm++)
		want += !in->vms[vm].opted_out && !w->hand[vm] && in->vms[vm].unknown == PLAN_KNOWN;
	want *= in->params.vfs_per_vm;
	if (want > total)
		want = total;
	w->plan->n1 = (unsigned)want;
	/* Resize only when what exists cannot serve: a resize goes through 0,
	 * and VFs that stay idle cost nothing.  When it must, make the spares
	 * now: later, VMs holding VFs of the PF will forbid the through-0. */
	if (want > fixed_serve && want - fixed_serve > flex_now)
		water_fill(w, (unsigned)(with_headroom(in, want, total) - fixed_serve));
	decide_drain(w, want, fixed_serve, total);
}

/* The drained PF's teamed VFs go, and none of its VFs is given: they are
 * destroyed once released.  Their VMs get nothing elsewhere this turn: the
 * pair's MAC is theirs only once the member is gone. */
static void drain_detach(Work *w, size_t p)
{
	const PlanPf *pf = &w->in->pfs[p];
	PlanAction *a;

	for (size_t i = 0; i < pf->n_vfs; i++) {
		const PlanVf *vf = &pf->vfs[i];
		PlanVmStatus *st;

		if (vf->use != PLAN_VF_OURS || !w->keep[w->vf_off[p] + i])
			continue;
		st = &w->plan->vms[vf->vm];
		w->keep[w->vf_off[p] + i] = false;
		w->kept[vf->vm]--;
		st->n_detach++;
		st->wait = PLAN_WAIT_DRAINING;
		st->wait_pf = (int)p;
		w->plan->pf_drain[p].n_detach++;
		emit(w, PLAN_DETACH, vf->vm, (int)p, (int)vf->index);
	}
	memset(w->slot + w->slot_off[p], SLOT_BUSY, pf->numvfs);
	a = emit(w, PLAN_WAIT, -1, (int)p, -1);
	a->wait = PLAN_WAIT_DRAINING;
	a->numvfs = w->plan->pf_drain[p].numvfs;
}

/* Numvfs per PF when the split is off: 0 where the daemon split it and no
 * VF is held any more; anything else stays as it is. */
static void targets_inactive(Work *w)
{
	const PlanInput *in = w->in;

	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];

		w->plan->pf_target[p] = pf->numvfs;
		if (pf->numvfs == 0 || !pf->numvfs_ours || pf->unknown != PLAN_KNOWN)
			continue;
		if (pf->numvfs_hold)
			emit_wait(w, PLAN_WAIT_NUMVFS_FAILED, -1, (int)p);
		else if (w->locked[p])
			emit_wait(w, PLAN_WAIT_PF_HELD, -1, (int)p);
		else
			w->plan->pf_target[p] = 0;
	}
}

/* SET_NUMVFS in kernel-acceptable steps, and the slots of the new VFs. */
static void emit_resizes(Work *w)
{
	const PlanInput *in = w->in;

	for (size_t p = 0; p < in->n_pfs; p++) {
		unsigned now = in->pfs[p].numvfs, target = w->plan->pf_target[p];
		signed char *slot = w->slot + w->slot_off[p];

		if (target == now)
			continue;
		if (now > 0)
			emit(w, PLAN_SET_NUMVFS, -1, (int)p, -1)->numvfs = 0;
		if (target > 0)
			emit(w, PLAN_SET_NUMVFS, -1, (int)p, -1)->numvfs = target;
		/* Fresh VFs come driverless (autoprobe off); bind them all now,
		 * so that a VM that starts later gets its VF without waiting. */
		memset(slot, SLOT_ABSENT, in->pfs[p].totalvfs);
		for (unsigned i = 0; i < target; i++) {
			slot[i] = SLOT_FREE;
			w->bind[w->slot_off[p] + i] = true;
		}
	}
}

/* Free VFs of PFs left as they are: count them, and pre-bind the
 * driverless ones on PFs the daemon split. */
static void count_free(Work *w)
{
	const PlanInput *in = w->in;

	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];
		bool prebind = pf->numvfs_ours && w->plan->mode.active;
		signed char *slot = w->slot + w->slot_off[p];

		w->n_avail[p] = 0;
		for (unsigned i = 0; i < pf->totalvfs; i++) {
			if (slot[i] == SLOT_RAW && prebind) {
				slot[i] = SLOT_FREE;
				w->bind[w->slot_off[p] + i] = true;
			}
			w->n_avail[p] += slot[i] >= SLOT_FREE;
		}
	}
}

/* Why a VM cannot have its VF: the first PF that could grow but holds VFs
 * in use, else one whose numvfs is someone else's, else nothing is left. */
static void find_short_reason(Work *w)
{
	const PlanInput *in = w->in;

	if (w->short_wait != PLAN_WAIT_NONE)
		return;
	for (size_t p = 0; p < in->n_pfs; p++)
		if (w->plan->pf_drain[p].draining) {
			w->short_wait = PLAN_WAIT_DRAINING;
			w->short_pf = (int)p;
			return;
		}
	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];

		if (w->locked[p] && pf->numvfs < pf->totalvfs && (pf->numvfs_ours || pf->numvfs == 0)) {
			w->short_wait = PLAN_WAIT_PF_BUSY;
			w->short_pf = (int)p;
			return;
		}
	}
	/* K1, K2: it could grow, but the kernel refused */
	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];

		if (pf->unknown == PLAN_KNOWN && (pf->numvfs_hold || pf_cap(pf) < pf->totalvfs)) {
			w->short_wait = PLAN_WAIT_NUMVFS_FAILED;
			w->short_pf = (int)p;
			return;
		}
	}
	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];

		if (pf->numvfs > 0 && !pf->numvfs_ours && pf->numvfs < pf->totalvfs) {
			w->short_wait = PLAN_WAIT_PF_NOT_OURS;
			w->short_pf = (int)p;
			return;
		}
	}
	/* its VFs might be free, but nothing is known of them */
	for (size_t p = 0; p < in->n_pfs; p++)
		if (in->pfs[p].unknown != PLAN_KNOWN) {
			w->short_wait = PLAN_WAIT_UNKNOWN;
			w->short_pf = (int)p;
			return;
		}
	w->short_wait = PLAN_WAIT_NO_CAPACITY;
}

/* The PF with the most VFs left to give (spreading the VMs) that the VM's
 * NUMA policy allows (plan-numa.c), and on it the lowest free VF index; -1
 * when none is left (*ret_numa: but on other nodes, N2). */
static int pick_vf(Work *w, int vm, size_t *ret_pf, bool *ret_numa)
{
	int p = plan_numa_pick_pf(w->in, w->n_avail, (size_t)vm, ret_numa);
	size_t best;
	signed char *slot;

	if (p < 0)
		return -1;
	best = (size_t)p;
	slot = w->slot + w->slot_off[best];
	while (slot[w->cursor[best]] != SLOT_FREE && slot[w->cursor[best]] != SLOT_RAW)
		w->cursor[best]++;
	if (slot[w->cursor[best]] == SLOT_RAW)
		w->bind[w->slot_off[best] + w->cursor[best]] = true;
	slot[w->cursor[best]] = SLOT_GIVEN;
	w->n_avail[best]--;
	*ret_pf = best;
	return (int)w->cursor[best]++;
}

/* The MAC of a VM's slot-th VF: its failover pair's for the first one,
 * if it has a pair waiting, else the one derived from its UUID. */
static void vm_slot_mac(const PlanVm *vm, unsigned slot, uint8_t ret[PLAN_MAC_LEN])
{
	if (slot == 0 && vm->has_team_mac)
		memcpy(ret, vm->team_mac, PLAN_MAC_LEN);
	else
		plan_vm_mac(vm->uuid, slot, ret);
}

static void give_vfs(Work *w, int vm)
{
	const PlanInput *in = w->in;
	PlanVmStatus *st = &w->plan->vms[vm];

	while (w->kept[vm] < in->params.vfs_per_vm) {
		size_t p;
		bool numa;
		int vf = pick_vf(w, vm, &p, &numa);
		PlanAction *a;

		if (vf < 0 && numa) {
			st->wait = PLAN_WAIT_NUMA;
			emit_wait(w, PLAN_WAIT_NUMA, vm, -1);
			return;
		}
		if (vf < 0) {
			find_short_reason(w);
			st->wait = w->short_wait;
			st->wait_pf = w->short_pf;
			emit_wait(w, w->short_wait, vm, w->short_pf);
			return;
		}
		a = emit(w, PLAN_SET_VF_MAC, vm, (int)p, vf);
		vm_slot_mac(&in->vms[vm], w->kept[vm], a->mac);
		a->policy = vf_policy_given(&in->vms[vm].vf_policy);
		a = emit(w, PLAN_ATTACH, vm, (int)p, vf);
		vm_slot_mac(&in->vms[vm], w->kept[vm], a->mac);
		a->policy = vf_policy_given(&in->vms[vm].vf_policy);
		w->kept[vm]++;
		st->n_attach++;
	}
}

/* The binds of the VFs given in this plan, or of the others (spares). */
static void emit_binds(Work *w, bool given)
{
	for (size_t p = 0; p < w->in->n_pfs; p++)
		for (unsigned i = 0; i < w->in->pfs[p].totalvfs; i++)
			if (w->bind[w->slot_off[p] + i] && (w->slot[w->slot_off[p] + i] == SLOT_GIVEN) == given)
				emit(w, PLAN_BIND_VFIO, -1, (int)p, (int)i);
}

/* VF handouts are emitted into a scratch area first and moved after the
 * binds, so that the list reads DETACH, SET_NUMVFS, BIND_VFIO of the VFs
 * given, SET_VF_MAC + ATTACH per VM (the WAITs in VM order among them),
 * then BIND_VFIO of the spares: a VM never waits for VFs it does not get
 * (with headroom there may be dozens), and spares are ready for the next. */
static int assign(Work *w)
{
	const PlanInput *in = w->in;
	Plan *plan = w->plan;
	size_t start = plan->n_actions, n_given;
	_cleanup_free_ PlanAction *given_actions = NULL;

	for (size_t vm = 0; vm < in->n_vms; vm++) {
		PlanVmStatus *st = &plan->vms[vm];

		if (in->vms[vm].unknown != PLAN_KNOWN) {
			st->path = PLAN_PATH_UNKNOWN;
			st->wait = PLAN_WAIT_UNKNOWN;
			emit_wait(w, PLAN_WAIT_UNKNOWN, (int)vm, -1);
		} else if (in->vms[vm].migrating) {
			st->path = PLAN_PATH_MIGRATING;
			st->wait = PLAN_WAIT_MIGRATING;
			emit_wait(w, PLAN_WAIT_MIGRATING, (int)vm, -1);
		} else if (in->vms[vm].opted_out)
			st->path = PLAN_PATH_OPTED_OUT;
		else if (w->hand[vm]) {
			st->path = PLAN_PATH_HAND;
			st->wait = PLAN_WAIT_HAND;
		} else if (plan->mode.active && in->vms[vm].vf_policy_refused) {
			st->wait = PLAN_WAIT_VF_POLICY; /* P1: it keeps what it holds */
			emit_wait(w, PLAN_WAIT_VF_POLICY, (int)vm, -1);
		} else if (plan->mode.active && st->wait != PLAN_WAIT_DRAINING)
			give_vfs(w, (int)vm);
	}

	n_given = plan->n_actions - start;
	given_actions = malloc((n_given + 1) * sizeof(PlanAction));
	if (!given_actions)
		return -ENOMEM;
	memcpy(given_actions, plan->actions + start, n_given * sizeof(PlanAction));
	plan->n_actions = start;
	emit_binds(w, true);
	memcpy(plan->actions + plan->n_actions, given_actions, n_given * sizeof(PlanAction));
	plan->n_actions += n_given;
	emit_binds(w, false);
	return 0;
}

static void finish_status(Work *w)
{
	Plan *plan = w->plan;

	/* What is left to give: spares only mean something while active. */
	for (size_t p = 0; plan->mode.active && p < w->in->n_pfs; p++) {
		plan->pf_spare[p] = w->n_avail[p];
		plan->spare += w->n_avail[p];
	}

	for (size_t vm = 0; vm < w->in->n_vms; vm++) {
		PlanVmStatus *st = &plan->vms[vm];

		st->n_vfs = w->kept[vm];
		if (st->path == PLAN_PATH_VIRTIO && st->n_vfs > 0)
			st->path = PLAN_PATH_VF;
		else if (st->path == PLAN_PATH_VIRTIO && !plan->mode.active && st->wait == PLAN_WAIT_NONE)
			st->wait = PLAN_WAIT_BELOW_THRESHOLD;
		/* Asked of libvirt this turn, seen done only by the next
		 * observation (a detach waits for the guest).  Never for an
		 * unknown or migrating VM (U1, G1). */
		if (st->n_attach || st->n_detach)
			st->path = PLAN_PATH_VF_PENDING;
	}
	plan_numa_status(w->in, plan, w->keep, w->vf_off);
}

int plan_decide(const PlanInput *in, Plan **ret)
{
	Plan *plan = calloc(1, sizeof(*plan));
	_cleanup_(work_free) Work w = {};
	int r;

	if (!plan)
		return -ENOMEM;
	r = work_init(&w, in, plan);
	if (r < 0)
		goto fail;
	for (size_t vm = 0; vm < in->n_vms; vm++) {
		bool unknown = in->vms[vm].unknown != PLAN_KNOWN;

		plan->vms[vm].wait_pf = -1;
		plan->m1 += !in->vms[vm].opted_out && !unknown;
		plan->n_unknown += unknown;
	}
	update_mode(&w, plan->m1, plan->n_unknown);
	for (size_t p = 0; p < in->n_pfs; p++)
		if (in->pfs[p].unknown != PLAN_KNOWN)
			emit_wait(&w, PLAN_WAIT_UNKNOWN, -1, (int)p);
	if (plan->mode.active && plan->mode.below_since_us)
		emit_wait(&w, PLAN_WAIT_DWELL, -1, -1);
	decide_detaches(&w);
	mark_slots(&w);
	if (plan->mode.active)
		targets_active(&w);
	else
		targets_inactive(&w);
	emit_resizes(&w);
	count_free(&w);
	r = assign(&w);
	if (r < 0)
		goto fail;
	finish_status(&w);
	*ret = plan;
	return 0;
fail:
	plan_free(plan);
	return r;
}

void plan_free(Plan *p)
{
	if (!p)
		return;
	free(p->pf_target);
	free(p->pf_spare);
	free(p->vms);
	free(p->pf_drain);
	free(p->actions);
	free(p);
}

void plan_vm_mac(const uint8_t uuid[16], unsigned slot, uint8_t ret[PLAN_MAC_LEN])
{
	/* FNV-1a over the UUID and the slot: stable across restarts and
	 * hosts, spread enough that 512 VMs do not collide in 46 bits. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < 16; i++)
		h = (h ^ uuid[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < sizeof(slot); i++)
		h = (h ^ ((slot >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	for (size_t i = 0; i < PLAN_MAC_LEN; i++)
		ret[i] = (uint8_t)(h >> (8 * i));
	/* locally administered (bit 1), unicast (bit 0 clear) */
	ret[0] = (uint8_t)((ret[0] & 0xfc) | 0x02);
}
