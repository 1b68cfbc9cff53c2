/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "core/irq-placement.h"
#include "daemon/context.h"

/*
 * kvmnetd's interrupt sampler ([irq] in kvmnetd.conf(5)).  A libvirt
 * event-loop timer, armed only when the config has an [irq] section, reads
 * /proc/stat and /proc/interrupts every interval, asks
 * irq_placement_decide() (src/core) where the NICs' vectors go, and writes
 * smp_affinity_list for each move, the original saved in the journal first
 * (key "/proc/irq/N/smp_affinity_list").  It keeps irqbalance off the
 * vectors as configured: ban (the whole list, each time it changes or
 * irqbalance restarts), stop, or ignore.
 */
typedef struct IrqLoop IrqLoop;

/* The busy rule's parameters for a config: [irq] busy_percent and the
 * core's defaults (the margin halved under a low threshold); the
 * monitor's own moves (monitor-loop.h) use the same. */
IrqPlacementParams irq_loop_params(const Config *c);

/* The timer is added disarmed and armed when ctx->config->irq.enabled. */
int irq_loop_new(const DaemonContext *ctx, IrqLoop **ret);
void irq_loop_free(IrqLoop *l);
/* After a reload: arm, re-arm at the new interval or disarm; the NICs and
 * CPUs are looked up again. */
void irq_loop_reconfigure(IrqLoop *l);
/* One sample at now_us (monotonic); what the timer calls.  The first one
 * only takes the baseline. */
int irq_loop_sample(IrqLoop *l, uint64_t now_us);
/* Give back: every smp_affinity_list the journal holds an original of is
 * written back and forgotten, irqbalance's ban list cleared (ban) or
 * irqbalance started again (stop).  Works from the journal alone, so it
 * also gives back what an earlier run changed.  l may have no timer. */
int irq_loop_revert(IrqLoop *l);
