/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "core/cpu-busy.h"
#include "irq-placement.h"

typedef struct Moved {
	unsigned irq;
	uint64_t at; /* sample number of its last move */
} Moved;

struct IrqPlacementState {
	uint64_t tick;
	uint16_t over[CPUSET_MAX]; /* samples in a row over busy_percent */
	Moved *moved;
	size_t n_moved;
};

typedef struct Ctx {
	IrqPlacementState *s;
	const IrqPlacementParams *p;
	const CpuSet *allowed;
	const double *busy;
	size_t n_busy;
	IrqVectorLoad *v; /* a copy whose cpu follows the moves */
	size_t n_v;
	double *rate_on; /* per CPU, of the vectors pinned there */
	CpuSet took;	 /* CPUs that received a shed vector this sample */
	IrqMove *moves;
	size_t n_moves;
} Ctx;

void irq_placement_params_default(IrqPlacementParams *p)
{
	*p = (IrqPlacementParams){ .busy_percent = 80, .margin = 20, .sustain = 2, .hold = 60 };
}

const char *irq_move_reason_to_string(IrqMoveReason r)
{
	return r == IRQ_MOVE_PLACE ? "place" : r == IRQ_MOVE_BUSY ? "busy" : "?";
}

int irq_placement_state_new(IrqPlacementState **ret)
{
	*ret = calloc(1, sizeof(IrqPlacementState));
	return *ret ? 0 : -ENOMEM;
}

void irq_placement_state_free(IrqPlacementState *s)
{
	if (!s)
		return;
	free(s->moved);
	free(s);
}

static double busy_of(const Ctx *c, int cpu)
{
	return cpu_busy_at(c->busy, c->n_busy, cpu);
}

static Moved *find_moved(IrqPlacementState *s, unsigned irq)
{
	for (size_t i = 0; i < s->n_moved; i++)
		if (s->moved[i].irq == irq)
			return &s->moved[i];
	return NULL;
}

static bool held(const Ctx *c, unsigned irq)
{
	Moved *m = find_moved(c->s, irq);

	return m && c->s->tick - m->at < c->p->hold;
}

/* Keep the move times of the vectors still passed in, forget the rest, so
 * the table does not grow with vectors that came and went. */
static int sync_moved(IrqPlacementState *s, const IrqVectorLoad *v, size_t n_v)
{
	Moved *n = calloc(n_v + 1, sizeof(Moved));
	size_t k = 0;

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < n_v; i++) {
		Moved *m = find_moved(s, v[i].irq);

		if (m)
			n[k++] = *m;
	}
	free(s->moved);
	s->moved = n;
	s->n_moved = k;
	return 0;
}

static int record(Ctx *c, IrqVectorLoad *v, int to, IrqMoveReason why)
{
	IrqMove *n = realloc(c->moves, (c->n_moves + 1) * sizeof(IrqMove));
	Moved *m;

	if (!n)
		return -ENOMEM;
	c->moves = n;
	c->moves[c->n_moves++] = (IrqMove){
		.irq = v->irq, .from = v->cpu, .to = to, .reason = why,
		.from_busy = busy_of(c, v->cpu), .to_busy = busy_of(c, to), .rate = v->rate,
	};
	if (v->cpu >= 0 && cpuset_isset(c->allowed, (unsigned)v->cpu))
		c->rate_on[v->cpu] -= v->rate;
	c->rate_on[to] += v->rate;
	v->cpu = to;
	m = find_moved(c->s, v->irq);
	if (m)
		m->at = c->s->tick;
	else {
		/* sync_moved() sized the table for every vector. */
		c->s->moved[c->s->n_moved++] = (Moved){ v->irq, c->s->tick };
	}
	return 0;
}

/* Lower is better: well below the threshold, below it, over it, unknown. */
static int tier(const Ctx *c, int cpu)
{
	double b = busy_of(c, cpu);

	if (b < 0)
		return 3;
	if (b < c->p->busy_percent - c->p->margin)
		return 0;
	return b <= c->p->busy_percent ? 1 : 2;
}

static bool better_place(const Ctx *c, int a, int best)
{
	if (best < 0)
		return true;
	if (tier(c, a) != tier(c, best))
		return tier(c, a) < tier(c, best);
	if (c->rate_on[a] != c->rate_on[best])
		return c->rate_on[a] < c->rate_on[best];
	return busy_of(c, a) < busy_of(c, best);
}

static int place(Ctx *c, IrqVectorLoad *v)
{
	int best = -1;

	CPUSET_FOREACH(cpu, c->allowed)
		if (better_place(c, cpu, best))
			best = cpu;
	return record(c, v, best, IRQ_MOVE_PLACE);
}

static bool unplaced(const Ctx *c, const IrqVectorLoad *v)
{
	return v->cpu < 0 || !cpuset_isset(c->allowed, (unsigned)v->cpu);
}

/* Heaviest first, as in longest-processing-time scheduling, so the big
 * vectors spread and the small ones fill in. */
static int place_all(Ctx *c)
{
	for (;;) {
		IrqVectorLoad *next = NULL;
		int r;

		for (size_t i = 0; i < c->n_v; i++)
			if (unplaced(c, &c->v[i]) && (!next || c->v[i].rate > next->rate))
				next = &c->v[i];
		if (!next)
			return 0;
		r = place(c, next);
		if (r < 0)
			return r;
	}
}

/* The least busy allowed CPU well below the threshold that has not taken a
 * vector this sample; -1 when there is none. */
static int shed_target(const Ctx *c, int from)
{
	return cpu_busy_idle_target(c->allowed, c->busy, c->n_busy, c->p->busy_percent, c->p->margin, from,
				    &c->took);
}

static int shed(Ctx *c, int cpu)
{
	IrqVectorLoad *heaviest = NULL;
	int to;

	for (size_t i = 0; i < c->n_v; i++)
		if (c->v[i].cpu == cpu && !held(c, c->v[i].irq) &&
		    (!heaviest || c->v[i].rate > heaviest->rate))
			heaviest = &c->v[i];
	if (!heaviest)
		return 0;
	to = shed_target(c, cpu);
	if (to < 0)
		return 0;
	cpuset_set(&c->took, (unsigned)to);
	return record(c, heaviest, to, IRQ_MOVE_BUSY);
}

static bool params_valid(const IrqPlacementParams *p)
{
	return p->busy_percent > 0 && p->busy_percent <= 100 && p->margin >= 0 &&
	       p->margin < p->busy_percent && p->sustain >= 1;
}

static int decide(Ctx *c)
{
	int r;

	for (size_t i = 0; i < c->n_v; i++) {
		IrqVectorLoad *v = &c->v[i];

		if (!unplaced(c, v))
			c->rate_on[v->cpu] += v->rate;
	}
	r = place_all(c);
	if (r < 0)
		return r;
	CPUSET_FOREACH(cpu, c->allowed)
		if (c->s->over[cpu] >= c->p->sustain) {
			r = shed(c, cpu);
			if (r < 0)
				return r;
		}
	return 0;
}

int irq_placement_decide(IrqPlacementState *s, const IrqPlacementParams *p, const CpuSet *allowed,
			 const double *busy, size_t n_busy, const IrqVectorLoad *v, size_t n_v,
			 IrqMove **ret, size_t *ret_n)
{
	Ctx c = { .s = s, .p = p, .allowed = allowed, .busy = busy, .n_busy = n_busy, .n_v = n_v };
	int r;

	if (!params_valid(p) || cpuset_count(allowed) == 0)
		return -EINVAL;
	r = sync_moved(s, v, n_v);
	if (r < 0)
		return r;
	c.v = malloc((n_v + 1) * sizeof(IrqVectorLoad));
	c.rate_on = calloc(CPUSET_MAX, sizeof(double));
	if (!c.v || !c.rate_on) {
		free(c.v);
		free(c.rate_on);
		return -ENOMEM;
	}
	if (n_v > 0)
		memcpy(c.v, v, n_v * sizeof(IrqVectorLoad));
	s->tick++;
	cpu_busy_count_over(s->over, busy, n_busy, p->busy_percent);
	r = decide(&c);
	free(c.v);
	free(c.rate_on);
	if (r < 0) {
		free(c.moves);
		return r;
	}
	*ret = c.moves;
	*ret_n = c.n_moves;
	return 0;
}
