/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Draining a PF to grow it (plan.h D1-D3): whether a PF may be drained, and
 * the words status and the log use.  plan.c decides whether one needs to be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "plan.h"

const char *plan_drain_why_to_string(PlanDrainWhy w)
{
	static const char *const names[_PLAN_DRAIN_MAX] = {
		[PLAN_DRAIN_NOT_ASKED] = "not-asked", [PLAN_DRAIN_NEVER] = "resize-never",
		[PLAN_DRAIN_UNTEAMED] = "unteamed",   [PLAN_DRAIN_NOT_GIVEN] = "not-given",
		[PLAN_DRAIN_HOST_DRIVER] = "host-driver", [PLAN_DRAIN_UNKNOWN] = "unknown",
		[PLAN_DRAIN_MIGRATING] = "migrating", [PLAN_DRAIN_NUMVFS] = "numvfs",
	};

	return (unsigned)w < _PLAN_DRAIN_MAX ? names[w] : NULL;
}

static PlanDrainWhy refuse(PlanDrainWhy why, int vf, int vm, int *ret_vf, int *ret_vm)
{
	*ret_vf = vf;
	*ret_vm = vm;
	return why;
}

/* D2 for one VF: only a free one, or one the daemon gave to a known,
 * teamed VM that is not migrating and keeps another NIC, may go. */
static PlanDrainWhy vf_blocks(const PlanInput *in, const PlanVf *vf)
{
	const PlanVm *vm = vf->vm >= 0 ? &in->vms[vf->vm] : NULL;

	if (vf->use == PLAN_VF_UNKNOWN || vf->driver == PLAN_DRIVER_UNKNOWN)
		return PLAN_DRAIN_UNKNOWN;
	if (vf->driver == PLAN_DRIVER_OTHER)
		return PLAN_DRAIN_HOST_DRIVER;
	if (vf->use == PLAN_VF_FREE)
		return PLAN_DRAIN_NOT_ASKED;
	if (vf->use == PLAN_VF_FOREIGN || !vm)
		return PLAN_DRAIN_NOT_GIVEN;
	if (vm->unknown != PLAN_KNOWN)
		return PLAN_DRAIN_UNKNOWN;
	if (vm->migrating)
		return PLAN_DRAIN_MIGRATING;
	/* A teamed guest keeps the pair's virtio NIC; the second check is
	 * the only-NIC rule, should the two ever disagree. */
	if (!vf->teamed || !vm->has_other_nic)
		return PLAN_DRAIN_UNTEAMED;
	return PLAN_DRAIN_NOT_ASKED;
}

PlanDrainWhy plan_drain_check(const PlanInput *in, size_t pf, int *ret_vf, int *ret_vm)
{
	const PlanPf *p = &in->pfs[pf];

	if (!in->params.resize_drain)
		return refuse(PLAN_DRAIN_NEVER, -1, -1, ret_vf, ret_vm);
	if (p->unknown != PLAN_KNOWN || p->n_vfs != p->numvfs)
		return refuse(PLAN_DRAIN_UNKNOWN, -1, -1, ret_vf, ret_vm);
	/* Any unknown VM may hold one of its VFs: nothing is destroyed then. */
	for (size_t v = 0; v < in->n_vms; v++)
		if (in->vms[v].unknown != PLAN_KNOWN)
			return refuse(PLAN_DRAIN_UNKNOWN, -1, (int)v, ret_vf, ret_vm);
	/* K1, K2: it must be ours to resize, and allowed to grow. */
	if ((p->numvfs > 0 && !p->numvfs_ours) || p->numvfs_hold ||
	    (p->numvfs_refused > 0 && p->numvfs_refused <= p->numvfs + 1) || p->numvfs >= p->totalvfs)
		return refuse(PLAN_DRAIN_NUMVFS, -1, -1, ret_vf, ret_vm);
	/* In VF index order, so that the message names the lowest. */
	for (unsigned idx = 0; idx < p->numvfs; idx++)
		for (size_t i = 0; i < p->n_vfs; i++) {
			PlanDrainWhy why;

			if (p->vfs[i].index != idx)
				continue;
			why = vf_blocks(in, &p->vfs[i]);
			if (why != PLAN_DRAIN_NOT_ASKED)
				return refuse(why, (int)idx, p->vfs[i].vm, ret_vf, ret_vm);
		}
	return refuse(PLAN_DRAIN_NOT_ASKED, -1, -1, ret_vf, ret_vm);
}

static const char *vm_name(const PlanInput *in, int vm)
{
	return vm >= 0 && (size_t)vm < in->n_vms && in->vms[vm].name ? in->vms[vm].name : NULL;
}

/* "pf-busy: VF 2 held by unteamed lab-x": why a PF VMs wait on stays. */
static int format_refusal(const PlanInput *in, const PlanDrain *d, char **ret)
{
	const char *vm = vm_name(in, d->vm);
	int r;

	switch (d->why) {
	case PLAN_DRAIN_UNTEAMED:
		r = asprintf(ret, "pf-busy: VF %d held by unteamed %s", d->vf, vm ?: "?");
		break;
	case PLAN_DRAIN_NOT_GIVEN:
		r = vm ? asprintf(ret, "pf-busy: VF %d held by %s, not given by kvmnetd", d->vf, vm)
		       : asprintf(ret, "pf-busy: VF %d held by a domain kvmnetd did not give it to", d->vf);
		break;
	case PLAN_DRAIN_HOST_DRIVER:
		r = asprintf(ret, "pf-busy: VF %d bound to a host driver", d->vf);
		break;
	case PLAN_DRAIN_MIGRATING:
		r = asprintf(ret, "pf-busy: VF %d held by %s, which is being migrated", d->vf, vm ?: "?");
		break;
	case PLAN_DRAIN_UNKNOWN:
		if (d->vf >= 0)
			r = asprintf(ret, "pf-busy: VF %d is unknown", d->vf);
		else if (vm)
			r = asprintf(ret, "pf-busy: VM %s is unknown and may hold one of its VFs", vm);
		else
			r = asprintf(ret, "pf-busy: the PF is unknown");
		break;
	case PLAN_DRAIN_NUMVFS:
		r = asprintf(ret, "pf-busy: its numvfs may not grow (set by someone else, or refused)");
		break;
	default:
		*ret = NULL;
		return 0;
	}
	return r < 0 ? -ENOMEM : 0;
}

int plan_drain_format(const PlanInput *in, const Plan *plan, size_t pf, char **ret)
{
	const PlanDrain *d;

	if (!plan->pf_drain || pf >= in->n_pfs) {
		*ret = NULL;
		return 0;
	}
	d = &plan->pf_drain[pf];
	if (d->draining)
		return asprintf(ret, "draining PF for %u VFs (%u teamed VF(s) detached; numvfs through 0 once released)",
				d->numvfs, d->n_detach) < 0
			       ? -ENOMEM
			       : 0;
	return format_refusal(in, d, ret);
}
