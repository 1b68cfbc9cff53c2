/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include <stdbool.h>
#include <stdint.h>

#include "core/irq-placement.h"
#include "core/metrics.h"
#include "core/plan.h"
#include "daemon/config.h"
#include "daemon/observe.h"

/*
 * The main loop's side of kvmnetd's metrics: the counters and histograms
 * it keeps, the view of its last observation and plan, and the snapshot
 * it publishes to the HTTP thread (daemon/metrics-server.h) after each
 * turn and each event that changes a value.  Kept whether or not
 * [metrics] listen is set (a few counters cost nothing), served only
 * when it is.  Every function takes NULL and then does nothing.
 */
typedef struct Metrics Metrics;

/* Counters from zero; the server started at c->metrics_listen if set
 * (its bind(2) error: -EADDRINUSE...). */
int metrics_new(const Config *c, bool dry_run, Metrics **ret);
void metrics_free(Metrics *m);
/* A reload: a new threshold shown, the server moved when listen
 * changed.  On an error the server is off until the next reload. */
int metrics_reconfigure(Metrics *m, const Config *c);

/* The view of one turn (o and plan NULL: libvirt unreachable). */
void metrics_observed(Metrics *m, const Config *c, const Observation *o, const Plan *plan);
/* After metrics_observed(): each PF's change times and refused numvfs
 * (daemon/pf-record.h). */
struct PfRecords;
void metrics_pf_records(Metrics *m, const struct PfRecords *r);
/* One plan action carried out (ok) or refused, requested at start_us
 * (CLOCK_MONOTONIC); an attach ends the VM's start-to-attach time. */
void metrics_action(Metrics *m, PlanActionType type, const char *vm, uint64_t start_us, bool ok);
/* A turn ended after duration_us; publishes. */
void metrics_turn(Metrics *m, uint64_t duration_us, bool failed);
/* libvirt's lifecycle event: a start (or resume) begins the VM's
 * start-to-attach time, unless one is running. */
void metrics_domain_event(Metrics *m, const char *domain, int event, uint64_t now_us);
/* The libvirt connection came or went; publishes. */
void metrics_libvirt(Metrics *m, bool connected);
/* An interrupt vector moved; publishes. */
void metrics_irq_moved(Metrics *m, IrqMoveReason reason);
/* [balloon]'s status as kvmnetctl status shows it (balloon-loop.h): the
 * host's pressure, each guest's sizes; published with the next turn. */
void metrics_balloon(Metrics *m, json_object *status);
/* The attaches in flight now (copied; none: n 0); publishes, so that a
 * scrape during a batch of attaches shows them. */
void metrics_attaching(Metrics *m, const MetricsAttach *in_flight, size_t n);
void metrics_publish(Metrics *m);
/* The loop's current values (what the next publish copies), for tests. */
const MetricsSnapshot *metrics_snapshot(const Metrics *m);
