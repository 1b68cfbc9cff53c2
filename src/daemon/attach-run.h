/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "core/plan.h"
#include "daemon/apply.h"
#include "daemon/daemon.h"

/*
 * A plan's attaches carried out side by side, at most [sriov]
 * parallel_attach at once (core/attach-batch.h decides which and when).
 *
 * The main thread does everything but the libvirt request: it sets each
 * VF's MAC on the PF, writes the attachment to the journal ahead of the
 * request exactly as one by one (apply_attach_begin()), logs, counts,
 * publishes the status and the metrics.  A worker thread per attach in
 * flight makes the one request (apply_attach_call()) and says it is done.
 * libvirt serialises jobs per domain, not across domains, and a
 * virConnectPtr may be used from several threads at once (each keeps its
 * own last error), so the requests really run at once in libvirtd.
 *
 * While they run the main thread waits for the next to end, not in the
 * event loop.  Nothing is lost by it: the control socket and /metrics are
 * answered by threads of their own from the views published here at
 * every start and end (ctl-server.h, metrics-server.h); libvirt events
 * only arm the reconcile timer, which runs right after (level
 * triggered), as after attaches made one by one; SIGTERM and SIGHUP stay
 * in the signalfd until then.  Running the event loop inside the batch
 * would re-enter the reconcile, a reload (which frees the configuration
 * the batch reads) and the other loops' timers in the middle of a plan.
 */
typedef struct AttachRun AttachRun;

/* Carry out plan->actions[from] (core/attach-batch.h, attach_batch_starts())
 * up to the end of its batch, put in *ret_end.  Each failure is logged
 * with its VM and stops only that VM's later attaches.  0 when all went;
 * else the first error (the turn is retried). */
int attach_run(Daemon *d, const ApplyContext *ctx, const Observation *o, const Plan *plan, size_t from,
	       size_t *ret_end);
/* The attaches in flight, for the control socket's view: an array of
 * {"vm", "pf", "vf", "started_at_us"}; empty with no run (NULL). */
json_object *attach_run_status(const AttachRun *run);
