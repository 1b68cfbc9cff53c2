/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "core/plan-numa.h"

PlanNuma plan_numa_effective(const PlanInput *in, size_t vm)
{
	const PlanVm *v = &in->vms[vm];
	PlanNuma n = v->numa != PLAN_NUMA_DEFAULT ? v->numa : in->params.numa;
	bool any_pf = false;

	for (size_t p = 0; p < in->n_pfs && !any_pf; p++)
		any_pf = in->pfs[p].has_node;
	/* Without a node on either side locality cannot be told; required
	 * would then keep every VM waiting for a VF that can never come. */
	if (n == PLAN_NUMA_DEFAULT || !v->has_node || !any_pf)
		return PLAN_NUMA_LEGACY;
	return n;
}

static bool pf_local(const PlanInput *in, size_t p, size_t vm)
{
	return in->pfs[p].has_node && in->pfs[p].node == in->vms[vm].node;
}

/* The PF with the most VFs left, among the local ones only or all. */
static int most_avail(const PlanInput *in, const unsigned *n_avail, size_t vm, bool local_only)
{
	int best = -1;

	for (size_t p = 0; p < in->n_pfs; p++) {
		if (n_avail[p] == 0 || (local_only && !pf_local(in, p, vm)))
			continue;
		if (best < 0 || n_avail[p] > n_avail[best])
			best = (int)p;
	}
	return best;
}

int plan_numa_pick_pf(const PlanInput *in, const unsigned *n_avail, size_t vm, bool *ret_numa)
{
	PlanNuma n = plan_numa_effective(in, vm);
	int p;

	*ret_numa = false;
	if (n == PLAN_NUMA_LEGACY)
		return most_avail(in, n_avail, vm, false);
	p = most_avail(in, n_avail, vm, true);
	if (p >= 0 || n == PLAN_NUMA_PREFERRED)
		return p >= 0 ? p : most_avail(in, n_avail, vm, false);
	/* N2: required, and nothing left on its node */
	*ret_numa = most_avail(in, n_avail, vm, false) >= 0;
	return -1;
}

static void note_vf(const PlanInput *in, PlanVmStatus *st, size_t vm, size_t p, bool *first)
{
	const PlanPf *pf = &in->pfs[p];

	if (*first) {
		st->vf_node = pf->has_node ? (int)pf->node : -1;
		*first = false;
	}
	/* Remote only when both nodes are known and differ. */
	if (in->vms[vm].has_node && pf->has_node && pf->node != in->vms[vm].node)
		st->remote = true;
}

void plan_numa_status(const PlanInput *in, Plan *plan, const bool *keep, const size_t *vf_off)
{
	for (size_t vm = 0; vm < in->n_vms; vm++) {
		PlanVmStatus *st = &plan->vms[vm];
		bool first = true;

		st->vf_node = -1;
		st->remote = false;
		for (size_t p = 0; p < in->n_pfs; p++)
			for (size_t i = 0; i < in->pfs[p].n_vfs; i++)
				if (in->pfs[p].vfs[i].vm == (int)vm && keep[vf_off[p] + i] &&
				    in->pfs[p].vfs[i].use != PLAN_VF_FOREIGN)
					note_vf(in, st, vm, p, &first);
		for (size_t k = 0; k < plan->n_actions; k++)
			if (plan->actions[k].type == PLAN_ATTACH && plan->actions[k].vm == (int)vm)
				note_vf(in, st, vm, (size_t)plan->actions[k].pf, &first);
	}
}

const char *plan_numa_to_string(PlanNuma n)
{
	static const char *const names[_PLAN_NUMA_MAX] = {
		[PLAN_NUMA_LEGACY] = "legacy",
		[PLAN_NUMA_PREFERRED] = "preferred",
		[PLAN_NUMA_REQUIRED] = "required",
	};

	return (unsigned)n < _PLAN_NUMA_MAX ? names[n] : NULL;
}

int plan_numa_from_string(const char *s, PlanNuma *ret)
{
	for (PlanNuma n = PLAN_NUMA_LEGACY; n < _PLAN_NUMA_MAX; n++)
		if (s && strcmp(s, plan_numa_to_string(n)) == 0) {
			*ret = n;
			return 0;
		}
	return -EINVAL;
}
