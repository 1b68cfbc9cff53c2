/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The NUMA part of the decision core (plan.h N1-N4): which PF a VM's next
 * VF comes from, and what its status says of locality.  Pure, like
 * plan.c, which calls it.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"

/* The policy in force for VM vm: its own, else the parameters', LEGACY
 * for PLAN_NUMA_DEFAULT, and LEGACY whenever its node or the node of
 * every PF is unknown (N3). */
PlanNuma plan_numa_effective(const PlanInput *in, size_t vm);

/* The PF VM vm takes its next VF from: the one with the most VFs left
 * (n_avail, per PF) among those its policy allows first (N1, N2).  -1
 * when there is none; then *ret_numa is true when VFs are left on other
 * nodes but its policy is required (PLAN_WAIT_NUMA). */
int plan_numa_pick_pf(const PlanInput *in, const unsigned *n_avail, size_t vm, bool *ret_numa);

/* PlanVmStatus.vf_node and .remote of every VM, from the VFs it keeps
 * (keep: per listed VF, those of PF p from vf_off[p]) and those the plan
 * attaches. */
void plan_numa_status(const PlanInput *in, Plan *plan, const bool *keep, const size_t *vf_off);
