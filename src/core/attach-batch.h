/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"

/*
 * The attaches of one plan carried out side by side (issue 14, [sriov]
 * parallel_attach).  A plan lists DETACH, SET_NUMVFS, BIND_VFIO of the
 * VFs given, then SET_VF_MAC + ATTACH for each VM (its WAITs among them),
 * then BIND_VFIO of the spares (plan.c, assign()).  The pairs in the
 * middle are the batch: each pair is a job, and the jobs need only what
 * came before the batch, so they may run in any order and at once.
 *
 * Decided here, without I/O: which actions form the batch, which job may
 * start next, and what a failure stops.  The caller (kvmnetd) starts the
 * jobs this says, carries each out and reports how it went.
 *   - The MACs of every job are set first, then the attaches start: a MAC
 *     is a quick rtnetlink write alone (0.01 to 0.2 s in the lab), but
 *     one made while attaches run waits for the RTNL lock and the CPU
 *     they take (0.3 to 3 s each there), and every attach behind it.
 *   - Jobs start in the plan's order, which is the order VMs are served.
 *   - At most `limit` run at once.
 *   - One VM runs one job at a time: libvirt serialises the jobs of one
 *     domain, so a second one would only hold a slot waiting.
 *   - A failed job stops that VM's later jobs (its next VF would arrive
 *     without the one before); every other VM goes on.
 */

typedef enum AttachJobState {
	ATTACH_JOB_PENDING,
	ATTACH_JOB_RUNNING,
	ATTACH_JOB_DONE,
	ATTACH_JOB_FAILED,
	ATTACH_JOB_SKIPPED, /* an earlier job of the same VM failed */
} AttachJobState;

#define ATTACH_NO_MAC ((size_t)-1)

typedef struct AttachJob {
	size_t attach; /* the PLAN_ATTACH, index in Plan.actions */
	size_t mac;    /* its PLAN_SET_VF_MAC (same VM, PF, VF) right before, or ATTACH_NO_MAC */
	int vm;
	AttachJobState state;
} AttachJob;

typedef struct AttachBatch {
	AttachJob *jobs;
	size_t n_jobs;
	size_t end; /* the first action after the batch */
	unsigned limit, running, peak;
	unsigned failed, skipped;
} AttachBatch;

/* Whether the batch starts at plan->actions[i]: a SET_VF_MAC with its
 * ATTACH right after it, or an ATTACH. */
bool attach_batch_starts(const Plan *plan, size_t i);
/* The batch from plan->actions[from] (attach_batch_starts()) through the
 * last action that is such a pair, a lone ATTACH or a WAIT.  limit 0 is
 * taken as 1.  -EINVAL when no batch starts there; -ENOMEM. */
int attach_batch_init(AttachBatch *b, const Plan *plan, size_t from, unsigned limit);
void attach_batch_free(AttachBatch *b);
/* The next job to start now, marked running: true and its index in
 * *ret_job, or false when none may start (the limit is reached, or every
 * pending job's VM has one running).  Jobs skipped on the way are marked. */
bool attach_batch_next(AttachBatch *b, size_t *ret_job);
/* A pending job that cannot start (its MAC was refused): failed, so
 * that its VM's later jobs are skipped. */
void attach_batch_fail(AttachBatch *b, size_t job);
/* A running job ended. */
void attach_batch_finish(AttachBatch *b, size_t job, bool ok);
/* Nothing pending or running is left. */
bool attach_batch_finished(const AttachBatch *b);
