/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "core/plan.h"
#include "daemon/journal.h"
#include "daemon/observe.h"

/*
 * Carrying out one action of a plan.  The journal is written ahead of
 * every change (originals before numvfs and driver_override move, the
 * attachment before the attach), and saved, so that a SIGKILL between
 * any two steps leaves a journal the next start can reconcile from.
 */
typedef struct ApplyContext {
	virConnectPtr conn;
	Journal *journal;
	const char *state_dir;
	const Observation *obs;
	const Plan *plan;
} ApplyContext;

/* A VM whose virtio NIC is the persistent member of a failover pair
 * (Observation.vm_team_macs) gets its first VF (slot 0 of plan_vm_mac())
 * with that NIC's MAC instead, which QEMU's failover requires: rewrites
 * the MAC of those SET_VF_MAC and ATTACH actions, so that the log and the
 * dry run show what is done.  apply_action() then attaches the VF as the
 * transient member. */
void apply_pair_teams(const Observation *o, Plan *plan);

/* 0 on success; on failure -errno and, in *ret_error, what failed. */
int apply_action(const ApplyContext *c, const PlanAction *a, char **ret_error);
