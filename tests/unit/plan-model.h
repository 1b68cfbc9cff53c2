/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small model of a host for the decision core's tests and benchmark:
 * PFs with VFs and running VMs that plan_decide() sees, and model_apply()
 * that carries out a plan the way the kernel and libvirt would, refusing
 * what they refuse (numvfs from nonzero to nonzero, numvfs while a VF is
 * held, attaching a VF that is held, missing or not bound to vfio-pci).
 * It also refuses every step plan.h's unknowns rules (U1-U4) forbid, as
 * the oracle of those rules: a detach from or anything for an unknown VM,
 * touching a VF whose driver or use is unknown, numvfs on an unknown PF
 * or one with such a VF, a MAC on a VF someone holds; and plan.h's G1:
 * a detach from, a MAC for or an attach to a migrating VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"

#define MODEL_MAX_PFS 8
#define MODEL_MAX_VFS 256
#define MODEL_MAX_VMS 1024

typedef struct Model {
	PlanParams params;
	PlanMode mode;
	uint64_t now_us;
	PlanVm vms[MODEL_MAX_VMS];
	char names[MODEL_MAX_VMS][16];
	size_t n_vms;
	PlanPf pfs[MODEL_MAX_PFS];
	PlanVf vfs[MODEL_MAX_PFS][MODEL_MAX_VFS];
	char pf_names[MODEL_MAX_PFS][16];
	size_t n_pfs;
	unsigned vm_serial;
} Model;

static inline Model *model_new(unsigned threshold, unsigned vfs_per_vm, uint64_t min_dwell_us)
{
	Model *m = calloc(1, sizeof(Model));

	if (!m)
		abort();
	m->params = (PlanParams){ threshold, vfs_per_vm, min_dwell_us };
	m->now_us = 1000000;
	return m;
}

/* PF p gets numvfs fresh VFs, driverless and free, as after a write to
 * sriov_numvfs with autoprobe off. */
static inline void model_reset_pf(Model *m, size_t p, unsigned numvfs, bool ours)
{
	PlanPf *pf = &m->pfs[p];

	pf->numvfs = numvfs;
	pf->numvfs_ours = ours;
	for (unsigned i = 0; i < numvfs; i++)
		m->vfs[p][i] = (PlanVf){ .index = i,
					 .addr = { .bus = (uint8_t)(3 + p), .slot = (uint8_t)(0x10 + i / 8),
						   .function = (uint8_t)(i % 8) },
					 .vm = -1 };
	pf->n_vfs = numvfs;
}

static inline int model_add_pf(Model *m, unsigned totalvfs, unsigned numvfs, bool ours)
{
	size_t p = m->n_pfs++;
	PlanPf *pf = &m->pfs[p];

	snprintf(m->pf_names[p], sizeof(m->pf_names[p]), "pf%zu", p);
	*pf = (PlanPf){ .name = m->pf_names[p], .totalvfs = totalvfs, .addr = { .bus = (uint8_t)(3 + p) } };
	pf->vfs = m->vfs[p];
	model_reset_pf(m, p, numvfs, ours);
	return (int)p;
}

static inline int model_start_vm(Model *m, bool other_nic)
{
	size_t v = m->n_vms++;
	unsigned id = ++m->vm_serial;

	snprintf(m->names[v], sizeof(m->names[v]), "vm%u", id);
	m->vms[v] = (PlanVm){ .name = m->names[v], .has_other_nic = other_nic };
	memcpy(m->vms[v].uuid, &id, sizeof(id));
	m->vms[v].uuid[15] = 0x5a;
	return (int)v;
}

/* The VM stops: libvirt gives its hostdevs back (still on vfio-pci). */
static inline void model_stop_vm(Model *m, int vm)
{
	for (size_t p = 0; p < m->n_pfs; p++)
		for (size_t i = 0; i < m->pfs[p].n_vfs; i++) {
			PlanVf *vf = &m->vfs[p][i];

			if (vf->vm == vm) {
				vf->vm = -1;
				vf->use = PLAN_VF_FREE;
			} else if (vf->vm > vm)
				vf->vm--;
		}
	memmove(&m->vms[vm], &m->vms[vm + 1], (m->n_vms - (size_t)vm - 1) * sizeof(PlanVm));
	memmove(&m->names[vm], &m->names[vm + 1], (m->n_vms - (size_t)vm - 1) * sizeof(m->names[0]));
	m->n_vms--;
	for (size_t v = 0; v < m->n_vms; v++)
		m->vms[v].name = m->names[v];
}

static inline PlanInput model_input(Model *m)
{
	return (PlanInput){ .params = m->params, .vms = m->vms, .n_vms = m->n_vms, .pfs = m->pfs,
			    .n_pfs = m->n_pfs, .mode = m->mode, .now_us = m->now_us };
}

static inline PlanVf *model_vf(Model *m, int pf, int index)
{
	for (size_t i = 0; i < m->pfs[pf].n_vfs; i++)
		if ((int)m->vfs[pf][i].index == index)
			return &m->vfs[pf][i];
	return NULL;
}

static inline unsigned model_vfs_of(Model *m, int vm)
{
	unsigned n = 0;

	for (size_t p = 0; p < m->n_pfs; p++)
		for (size_t i = 0; i < m->pfs[p].n_vfs; i++)
			n += m->vfs[p][i].vm == vm;
	return n;
}

/* Carry out the plan; returns 0, or -1 (with a message) at the first
 * action the kernel or libvirt would refuse. */
static inline int model_apply(Model *m, const Plan *plan)
{
	for (size_t k = 0; k < plan->n_actions; k++) {
		const PlanAction *a = &plan->actions[k];
		PlanPf *pf = a->pf >= 0 ? &m->pfs[a->pf] : NULL;
		PlanVf *vf = a->pf >= 0 && a->vf >= 0 ? model_vf(m, a->pf, a->vf) : NULL;

		switch (a->type) {
		case PLAN_DETACH:
			if (!vf || vf->vm != a->vm || vf->use != PLAN_VF_OURS || m->vms[a->vm].unknown || m->vms[a->vm].migrating ||
			    vf->driver == PLAN_DRIVER_UNKNOWN ||
			    (!m->vms[a->vm].has_other_nic && model_vfs_of(m, a->vm) < 2))
				goto refused; /* never a VM's only NIC */
			vf->use = PLAN_VF_FREE;
			vf->vm = -1;
			break;
		case PLAN_SET_NUMVFS:
			if (pf->numvfs > 0 && a->numvfs > 0)
				goto refused; /* EBUSY */
			if (pf->unknown)
				goto refused; /* U4 */
			for (size_t i = 0; i < pf->n_vfs; i++)
				if (m->vfs[a->pf][i].use != PLAN_VF_FREE || m->vfs[a->pf][i].driver == PLAN_DRIVER_OTHER ||
				    m->vfs[a->pf][i].driver == PLAN_DRIVER_UNKNOWN)
					goto refused; /* would destroy a VF in use (or maybe in use) */
			model_reset_pf(m, (size_t)a->pf, a->numvfs, true);
			break;
		case PLAN_BIND_VFIO:
			if (!vf || vf->driver == PLAN_DRIVER_OTHER || vf->driver == PLAN_DRIVER_UNKNOWN ||
			    vf->use == PLAN_VF_UNKNOWN)
				goto refused;
			vf->driver = PLAN_DRIVER_VFIO;
			break;
		case PLAN_SET_VF_MAC:
			/* a MAC change under a holder is one its guest sees */
			if (!vf || vf->use != PLAN_VF_FREE || m->vms[a->vm].unknown || m->vms[a->vm].migrating)
				goto refused;
			break;
		case PLAN_ATTACH:
			if (!vf || vf->use != PLAN_VF_FREE || vf->driver != PLAN_DRIVER_VFIO || m->vms[a->vm].unknown ||
			    m->vms[a->vm].migrating)
				goto refused;
			vf->use = PLAN_VF_OURS;
			vf->vm = a->vm;
			break;
		default:
			break;
		}
		continue;
refused:
		fprintf(stderr, "model: action %zu (%s pf %d vf %d vm %d numvfs %u) refused\n", k,
			plan_action_type_to_string(a->type), a->pf, a->vf, a->vm, a->numvfs);
		return -1;
	}
	m->mode = plan->mode;
	return 0;
}

/* Actions other than WAIT in a plan. */
static inline size_t plan_n_changes(const Plan *plan)
{
	size_t n = 0;

	for (size_t k = 0; k < plan->n_actions; k++)
		n += plan->actions[k].type != PLAN_WAIT;
	return n;
}
