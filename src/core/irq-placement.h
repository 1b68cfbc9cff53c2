/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "basic/cpuset.h"

/*
 * Where a NIC's interrupt vectors should fire.  Pure: the caller samples
 * per-CPU busy time and per-vector interrupt rates every interval, passes
 * them in with the vectors' current CPUs, applies the moves that come out
 * and samples again.
 *
 * The source document binds the vectors to one CPU and moves them to an
 * idle CPU when that one is busy.  Here:
 *  - a vector not pinned to one allowed CPU is placed on the allowed CPU
 *    carrying the least interrupt rate (ties: least busy, lowest number),
 *    preferring CPUs well below the threshold, so vectors spread;
 *  - a CPU busier than busy_percent for `sustain` samples in a row sheds
 *    its heaviest movable vector, one per sample, to the least busy allowed
 *    CPU that is below busy_percent - margin;
 *  - a vector that moved stays put for `hold` samples, and a CPU takes at
 *    most one vector per sample, so nothing bounces or piles up on the
 *    same idle CPU before its load shows.
 */
typedef struct IrqPlacementParams {
	double busy_percent; /* 80 */
	double margin;	     /* 20: a target must be below busy_percent - margin */
	unsigned sustain;    /* 2 samples over busy_percent before shedding */
	unsigned hold;	     /* 60 samples (a minute at 1 s) between moves of a vector */
} IrqPlacementParams;

void irq_placement_params_default(IrqPlacementParams *p);

typedef struct IrqVectorLoad {
	unsigned irq;
	double rate; /* interrupts per second over the last interval */
	int cpu;     /* the one CPU it is pinned to, -1 when not pinned to one */
} IrqVectorLoad;

typedef enum IrqMoveReason {
	IRQ_MOVE_PLACE, /* not on one allowed CPU yet */
	IRQ_MOVE_BUSY,	/* its CPU stayed over busy_percent */
} IrqMoveReason;

typedef struct IrqMove {
	unsigned irq;
	int from, to; /* from is -1 for a vector that was not pinned */
	IrqMoveReason reason;
	double from_busy, to_busy; /* percent, as sampled; -1 when unknown */
	double rate;
} IrqMove;

const char *irq_move_reason_to_string(IrqMoveReason r);

/* Hysteresis memory across samples: how long each CPU has been over the
 * threshold and when each vector last moved. */
typedef struct IrqPlacementState IrqPlacementState;

int irq_placement_state_new(IrqPlacementState **ret);
void irq_placement_state_free(IrqPlacementState *s);

/*
 * One sample.  busy[cpu] for cpu < n_busy is that CPU's busy percent over
 * the last interval; negative or NaN is unknown (such a CPU is neither shed
 * from nor moved to).  The moves are returned malloc'd (NULL when none) and
 * recorded in s as done.  -EINVAL for an empty allowed set or bad params.
 */
int irq_placement_decide(IrqPlacementState *s, const IrqPlacementParams *p, const CpuSet *allowed,
			 const double *busy, size_t n_busy, const IrqVectorLoad *v, size_t n_v,
			 IrqMove **ret, size_t *ret_n);

static inline void irq_placement_state_freep(IrqPlacementState **s)
{
	irq_placement_state_free(*s);
}
#define _cleanup_irq_placement_state_ __attribute__((cleanup(irq_placement_state_freep)))
