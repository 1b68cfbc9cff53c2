/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
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
/* What the SR-IOV engine did for a SET_NUMVFS or a BIND_VFIO: the
 * kernel's answer apart from a journal that could not be saved, and how
 * long the change took (daemon/pf-record.h keeps both per PF). */
typedef struct ApplyOutcome {
	bool engine;	      /* the engine was asked: error and duration_us are its */
	bool changed;	      /* it wrote something (a VF already bound is not a bind) */
	int error;	      /* 0 or a negative errno */
	uint64_t duration_us; /* CLOCK_MONOTONIC */
} ApplyOutcome;

typedef struct ApplyContext {
	virConnectPtr conn;
	Journal *journal;
	const char *state_dir;
	const Observation *obs;
	const Plan *plan;
	ApplyOutcome *outcome; /* filled when not NULL */
} ApplyContext;

/* 0 on success; on failure -errno and, in *ret_error, what failed. */
int apply_action(const ApplyContext *c, const PlanAction *a, char **ret_error);
