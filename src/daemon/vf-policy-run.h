/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/observe.h"

/*
 * Per-VM VF policy in kvmnetd (core/plan.h P1, P2).  The NIC's refusals
 * are remembered per VM and policy, so that a VM whose policy the NIC
 * refused waits on virtio with the reason (kvmnetctl status) instead of
 * being tried every turn: again after a backoff
 * (vf_policy_retry_delay_us()); a changed policy, a success, or the VM
 * gone forgets it.
 * Each turn the held VFs' live attributes are compared with their VMs'
 * policies and a policy that drifted (a PF driver reset clears it) is
 * sent again, and logged.
 */
typedef struct VfRefusal {
	char *uuid, *name;
	VfConfig policy; /* the policy refused */
	char *cause;	 /* what the NIC said */
	unsigned attempts;    /* refusals of this policy in a row */
	uint64_t retry_at_us; /* CLOCK_MONOTONIC: tried again from then */
} VfRefusal;

typedef struct VfRefusals {
	VfRefusal *v;
	size_t n;
} VfRefusals;

void vf_refusals_free(VfRefusals *r);
/* The NIC refused the policy VM vm has in o (cause: a sentence). */
int vf_refusals_add(VfRefusals *r, const Observation *o, int vm, const char *cause, uint64_t now_us);
/* The NIC took VM vm's policy. */
void vf_refusals_forget(VfRefusals *r, const Observation *o, int vm);
/* Milliseconds until the next retry falls due, -1 for none. */
int vf_refusals_retry_ms(const VfRefusals *r, uint64_t now_us);
/* Before deciding: forget the refusals of VMs no longer running or whose
 * policy changed (said in the log), and set PlanVm.vf_policy_refused of
 * the others.  A VM that is unknown this turn keeps its refusal. */
void vf_refusals_mark(VfRefusals *r, Observation *o, uint64_t now_us);
/* The refusal of the VM with that UUID, or NULL. */
const char *vf_refusals_cause(const VfRefusals *r, const char *uuid);

/* P2 after a turn's actions: read the VFs of each PF, send again the
 * policy of each held VF that drifted, log each, and remember a refusal.
 * In a dry run it only says what it would do. */
void vf_policy_reapply_run(VfRefusals *r, const Observation *o, bool dry_run, uint64_t now_us);
