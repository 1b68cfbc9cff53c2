/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "core/plan.h"

/*
 * Per-VM VF policy, the pure part (rules P1, P2 in core/plan.h): what a
 * VF given to a VM carries, and which held VFs have drifted from their
 * VM's policy (a PF driver reset clears a VF's VLAN, rates and flags).
 */

/* P1: the attributes a VF given to a VM with this policy must carry
 * besides its MAC: the policy, and for the VLAN and the rates it leaves
 * out none (untagged, no limit), so that a VF never keeps the VLAN or
 * the limits of an earlier holder.  Index 0: the caller sets it. */
VfConfig vf_policy_given(const VfConfig *policy);

/* P1: how long a VM whose policy the NIC refused for the attempts-th time
 * in a row waits before it is tried again: 2 s, doubling, at most 60 s.
 * A refusal can pass (igb refuses max-rate while its link is down, as
 * for a moment after numvfs changes) or not (igb has no min-rate): the
 * VM is never tried every turn, and never given up for good. */
#define VF_POLICY_RETRY_FIRST_US 2000000ULL
#define VF_POLICY_RETRY_MAX_US 60000000ULL
uint64_t vf_policy_retry_delay_us(unsigned attempts);

/* P2: one held VF to send its VM's policy to again. */
typedef struct VfReapply {
	int vm, pf;	/* indices in PlanInput */
	unsigned vf;	/* VF index on the PF */
	VfConfig want;	/* the VM's policy, index set; MAC not in the mask */
	VfConfig live;	/* as read this turn */
} VfReapply;

/*
 * P2: the held VFs to re-apply: a VF the daemon gave (PLAN_VF_OURS) to a
 * listed VM that is known, not migrating, not opted out, with a policy
 * the NIC did not refuse, on a known PF and driver, whose live attributes
 * (live[p], n_live[p] entries, by PF index; NULL when the PF's VFs could
 * not be read: none of them is touched) do not satisfy the policy.  A VF
 * missing from live[p] is left alone too.  *ret is malloc'd (NULL when
 * *ret_n is 0).
 */
int vf_policy_reapplies(const PlanInput *in, const VfConfig *const *live, const size_t *n_live, VfReapply **ret,
			size_t *ret_n);
