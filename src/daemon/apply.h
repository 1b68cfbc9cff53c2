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

/* 0 on success; on failure -errno and, in *ret_error, what failed. */
int apply_action(const ApplyContext *c, const PlanAction *a, char **ret_error);
