/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/cpuset.h"
#include "core/irq-placement.h"

/*
 * Where kvmnetd's own threads run ([daemon] cpus in kvmnetd.conf(5)).
 * The source document runs its monitor on a "first CPU" and lets an idle
 * CPU take over when that one is busy.  Pure: the daemon reads the host
 * (daemon/monitor-loop.c), these decide.
 */

/* What the host says about its CPUs, read by the caller. */
typedef struct MonitorCpuHost {
	CpuSet online;
	CpuSet isolated;    /* isolcpus= */
	CpuSet nohz_full;   /* nohz_full= */
	CpuSet vcpu_pinned; /* CPUs running VMs' vCPUs are pinned to */
	CpuSet irq;	    /* CPUs [irq] places the NICs' vectors on */
	CpuSet started;	    /* kvmnetd's affinity at start (CPUAffinity=, taskset, cpuset) */
} MonitorCpuHost;

/* Why the allowed set is what it is; from the best to the last resort. */
typedef enum MonitorCpusWhy {
	MONITOR_CPUS_CONFIGURED,   /* [daemon] cpus = LIST, its online CPUs */
	MONITOR_CPUS_HOUSEKEEPING, /* auto: online, not isolated, no pinned vCPU, no [irq] vector */
	MONITOR_CPUS_SHARE_IRQ,	   /* auto: every housekeeping CPU carries [irq] vectors */
	MONITOR_CPUS_SHARE_VCPUS,  /* auto: every one not isolated has pinned vCPUs */
	MONITOR_CPUS_ISOLATED,	   /* auto: every online CPU is isolated or nohz_full */
	MONITOR_CPUS_NONE_ONLINE,  /* a LIST with no online CPU: auto instead */
} MonitorCpusWhy;

/* One sentence for logs and status: "housekeeping CPUs: online, not
 * isolated or nohz_full, no pinned vCPU, no [irq] vector". */
const char *monitor_cpus_why_to_string(MonitorCpusWhy w);

/*
 * The CPUs kvmnetd may run on.  configured: [daemon] cpus = LIST, or NULL
 * for auto.  Auto starts from the online CPUs within `started` (all online
 * ones when that leaves none) and takes away, in turn, the isolated and
 * nohz_full CPUs, those with pinned vCPUs and those with [irq] vectors;
 * when a step would leave nothing, the exclusions from that one on are
 * given up, and *ret_why says which.  A LIST keeps its online CPUs; none
 * online gives auto's set with MONITOR_CPUS_NONE_ONLINE.  Never empty:
 * -ENOENT only when no CPU is online.
 */
int monitor_cpus_choose(const CpuSet *configured, const MonitorCpuHost *h, CpuSet *ret, MonitorCpusWhy *ret_why);

typedef enum MonitorMoveReason {
	MONITOR_MOVE_PLACE, /* not on one allowed CPU */
	MONITOR_MOVE_BUSY,  /* its CPU stayed over busy_percent */
} MonitorMoveReason;

const char *monitor_move_reason_to_string(MonitorMoveReason r);

typedef struct MonitorMove {
	int from, to; /* from is -1 when not on one allowed CPU */
	MonitorMoveReason reason;
	double from_busy, to_busy; /* percent, as sampled; -1 unknown */
	unsigned over;		   /* samples in a row from was over busy_percent */
} MonitorMove;

/* Hysteresis across samples: per-CPU samples over the threshold, and the
 * sample of the last move off a busy CPU. */
typedef struct MonitorCpuState {
	uint64_t tick;
	uint64_t moved_at;
	bool moved;
	uint16_t over[CPUSET_MAX];
} MonitorCpuState;

/*
 * One sample, with the IRQ placement's rule (core/cpu-busy.h) and
 * parameters: busy_percent, margin, sustain and hold (samples between two
 * moves).  current: the one CPU kvmnetd is pinned to, or -1.  Off an
 * allowed CPU (or not on one): to the least busy allowed CPU (unknown
 * busy last, ties to the lowest number), at once.  On one that stayed
 * over busy_percent for `sustain` samples, at least `hold` samples after
 * the last such move (a placement does not count): to the least busy
 * allowed CPU below busy_percent -
 * margin, if there is one.  busy may be NULL (no sample yet).
 * 1 and *ret for a move (recorded in s), 0 for none, -EINVAL for bad
 * parameters or an empty allowed set.
 */
int monitor_cpu_decide(MonitorCpuState *s, const IrqPlacementParams *p, const CpuSet *allowed, const double *busy,
		       size_t n_busy, int current, MonitorMove *ret);

/* "CPU 0 -> CPU 1: CPU 0 busy 97.0% (over 80% for 2 samples), CPU 1 busy
 * 12.5%", or "placed on CPU 1 (was not on one allowed CPU): CPU 1 busy
 * unknown". */
int monitor_move_format(const MonitorMove *m, double busy_percent, char **ret);
