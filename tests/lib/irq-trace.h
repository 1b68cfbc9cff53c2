/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "basic/cpuset.h"
#include "core/irq-placement.h"

/*
 * A recorded load trace, one sample per second, replayed against a
 * placement policy by the unit tests and by bench/irq-placement.
 *
 *   # comment
 *   cpus 4                 CPUs 0..3
 *   allowed 1-3            where vectors may go
 *   cost_us 25             CPU time one interrupt costs (hard + soft irq)
 *   vectors 40 41 42       irq numbers
 *   initial 1 1 -1         optional: CPU each vector starts on (-1: unpinned)
 *   0  10 5 5 5 | 8000 8000 100
 *      ^ busy % of each CPU without these vectors (VMs, host)
 *                  ^ interrupts/s of each vector
 *
 * The model: a CPU's load is its own busy % plus rate * cost_us of the
 * vectors on it; loads over 100 are kept (demand, not capped use), so a
 * peak says how far a CPU was overcommitted.
 */
typedef struct IrqTrace {
	unsigned n_cpus;
	CpuSet allowed;
	double cost_us;
	unsigned *irqs;
	int *initial;
	size_t n_v;
	size_t n_ticks;
	double *base;  /* n_ticks * n_cpus */
	double *rates; /* n_ticks * n_v */
} IrqTrace;

/* On a bad line, -EINVAL and *ret_line says which (1-based). */
int irq_trace_parse(const char *text, IrqTrace **ret, unsigned *ret_line);
/* A whole file, NUL terminated (not under $KVMNET_SYSROOT). */
int irq_trace_slurp(const char *path, char **ret);
int irq_trace_load(const char *path, IrqTrace **ret, unsigned *ret_line);
void irq_trace_free(IrqTrace *t);

typedef enum ReplayPolicy {
	REPLAY_KVMNET,	    /* src/core/irq-placement, from the trace's initial placement */
	REPLAY_KVMNET_FRESH, /* the same, placing every vector itself at start (kvmnetd starting) */
	REPLAY_FIXED,	    /* all on the first allowed CPU, never moved (the source's static step) */
	REPLAY_ROUND_ROBIN, /* vector i on the i-th allowed CPU, never moved */
} ReplayPolicy;

typedef struct ReplayResult {
	double peak;	      /* highest load of any CPU in any sample */
	double mean_max;      /* mean over samples of the busiest CPU's load */
	unsigned over;	      /* CPU-samples over busy_percent */
	unsigned places;      /* initial placements */
	unsigned moves;	      /* moves after placement */
	double moves_per_vector_minute;
} ReplayResult;

/* log, when not NULL, gets one line per move:
 * "t=12 irq 41 cpu1 -> cpu2 busy 95.0 -> 12.0 rate 8000 (busy)" */
int irq_trace_replay(const IrqTrace *t, ReplayPolicy pol, const IrqPlacementParams *p, FILE *log,
		     ReplayResult *ret);
