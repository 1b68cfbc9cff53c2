/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Where this kernel keeps the CFS/EEVDF scheduler knobs the source document
 * tunes, found by which files exist:
 *   before 5.13   /proc/sys/kernel/sched_{min_granularity,wakeup_granularity,latency}_ns
 *   5.13 .. 6.5   /sys/kernel/debug/sched/{min_granularity,wakeup_granularity,latency}_ns
 *   6.6 and later /sys/kernel/debug/sched/base_slice_ns only (EEVDF)
 * The debugfs ones need debugfs mounted; lockdown (integrity or
 * confidentiality) makes their writes fail with EPERM.
 *
 * The source's values are min granularity 4,000,000 ns, wakeup granularity
 * 4,000,000 ns, latency 32,000,000 ns.  EEVDF's base_slice_ns is the old
 * min_granularity renamed (kernel commit "sched/fair: Commit to EEVDF"):
 * the shortest slice a task runs before it can be preempted, so it gets
 * 4,000,000 ns.  EEVDF has no wakeup granularity (a waking task preempts
 * by its virtual deadline) and no latency period (the deadline follows
 * from the slice), so those two have nothing to map to and are left out.
 */
typedef enum SchedFlavor {
	SCHED_FLAVOR_NONE,	   /* none of the files: debugfs not mounted? */
	SCHED_FLAVOR_SYSCTL,	   /* < 5.13 */
	SCHED_FLAVOR_DEBUGFS,	   /* 5.13 .. 6.5 */
	SCHED_FLAVOR_EEVDF,	   /* >= 6.6 */
} SchedFlavor;

typedef struct SchedKnob {
	const char *name;   /* "min_granularity" */
	const char *path;   /* host path, below $KVMNET_SYSROOT */
	uint64_t value;	    /* the source's value */
} SchedKnob;

SchedFlavor sched_detect(void);
const char *sched_flavor_to_string(SchedFlavor f);
/* The knobs of a flavor with the source's values; a static table. */
const SchedKnob *sched_knobs(SchedFlavor f, size_t *ret_n);
int sched_read(const SchedKnob *k, uint64_t *ret);
/* -EPERM under lockdown. */
int sched_write(const SchedKnob *k, uint64_t value);
