/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "core/cpu-busy.h"
#include "monitor-cpu.h"

const char *monitor_cpus_why_to_string(MonitorCpusWhy w)
{
	switch (w) {
	case MONITOR_CPUS_CONFIGURED:
		return "[daemon] cpus";
	case MONITOR_CPUS_HOUSEKEEPING:
		return "housekeeping CPUs: online, not isolated or nohz_full, no pinned vCPU, no [irq] vector";
	case MONITOR_CPUS_SHARE_IRQ:
		return "every housekeeping CPU carries [irq] vectors: sharing them";
	case MONITOR_CPUS_SHARE_VCPUS:
		return "every CPU not isolated has pinned vCPUs: sharing them";
	case MONITOR_CPUS_ISOLATED:
		return "every online CPU is isolated or nohz_full: all online CPUs";
	case MONITOR_CPUS_NONE_ONLINE:
		return "no CPU of [daemon] cpus is online: the automatic set instead";
	}
	return "?";
}

const char *monitor_move_reason_to_string(MonitorMoveReason r)
{
	return r == MONITOR_MOVE_PLACE ? "place" : r == MONITOR_MOVE_BUSY ? "busy" : "?";
}

/* Online within the start affinity; all online when that is empty. */
static void auto_base(const MonitorCpuHost *h, CpuSet *ret)
{
	*ret = h->online;
	cpuset_and(ret, &h->started);
	if (cpuset_count(ret) == 0)
		*ret = h->online;
}

static void choose_auto(const MonitorCpuHost *h, CpuSet *ret, MonitorCpusWhy *ret_why)
{
	CpuSet isolated = h->isolated;
	const CpuSet *excl[] = { &isolated, &h->vcpu_pinned, &h->irq };
	/* When taking excl[i] away would leave nothing, what is left says
	 * why[i]. */
	static const MonitorCpusWhy why[] = { MONITOR_CPUS_ISOLATED, MONITOR_CPUS_SHARE_VCPUS, MONITOR_CPUS_SHARE_IRQ };
	CpuSet cur, next;

	for (size_t i = 0; i < ELEMENTSOF(isolated.bits); i++)
		isolated.bits[i] |= h->nohz_full.bits[i];
	auto_base(h, &cur);
	for (size_t i = 0; i < ELEMENTSOF(excl); i++) {
		next = cur;
		cpuset_minus(&next, excl[i]);
		if (cpuset_count(&next) == 0) {
			*ret = cur;
			*ret_why = why[i];
			return;
		}
		cur = next;
	}
	*ret = cur;
	*ret_why = MONITOR_CPUS_HOUSEKEEPING;
}

int monitor_cpus_choose(const CpuSet *configured, const MonitorCpuHost *h, CpuSet *ret, MonitorCpusWhy *ret_why)
{
	CpuSet s;
	MonitorCpusWhy why;

	if (cpuset_count(&h->online) == 0)
		return -ENOENT;
	if (configured) {
		s = *configured;
		cpuset_and(&s, &h->online);
		if (cpuset_count(&s) > 0) {
			*ret = s;
			*ret_why = MONITOR_CPUS_CONFIGURED;
			return 0;
		}
	}
	choose_auto(h, &s, &why);
	*ret = s;
	*ret_why = configured ? MONITOR_CPUS_NONE_ONLINE : why;
	return 0;
}

/* The least busy allowed CPU, unknown ones last, ties to the lowest. */
static int least_busy(const CpuSet *allowed, const double *busy, size_t n_busy)
{
	int best = -1;

	CPUSET_FOREACH(cpu, allowed) {
		double b = cpu_busy_at(busy, n_busy, cpu), bb = cpu_busy_at(busy, n_busy, best);

		if (best < 0 || (b >= 0 && (bb < 0 || b < bb)))
			best = cpu;
	}
	return best;
}

static bool params_valid(const IrqPlacementParams *p)
{
	return p->busy_percent > 0 && p->busy_percent <= 100 && p->margin >= 0 && p->margin < p->busy_percent &&
	       p->sustain >= 1;
}

static int record(MonitorCpuState *s, const double *busy, size_t n_busy, int from, int to, MonitorMoveReason why,
		  MonitorMove *ret)
{
	*ret = (MonitorMove){
		.from = from, .to = to, .reason = why,
		.from_busy = cpu_busy_at(busy, n_busy, from), .to_busy = cpu_busy_at(busy, n_busy, to),
		.over = from >= 0 ? s->over[from] : 0,
	};
	/* Only a move away from load holds the next one: a placement reacts
	 * to no numbers, and must not keep it on a CPU that turns out busy. */
	if (why == MONITOR_MOVE_BUSY) {
		s->moved = true;
		s->moved_at = s->tick;
	}
	return 1;
}

int monitor_cpu_decide(MonitorCpuState *s, const IrqPlacementParams *p, const CpuSet *allowed, const double *busy,
		       size_t n_busy, int current, MonitorMove *ret)
{
	int to;

	if (!params_valid(p) || cpuset_count(allowed) == 0)
		return -EINVAL;
	if (!busy)
		n_busy = 0;
	s->tick++;
	cpu_busy_count_over(s->over, busy, n_busy, p->busy_percent);
	if (current < 0 || !cpuset_isset(allowed, (unsigned)current))
		return record(s, busy, n_busy, current < 0 ? -1 : current, least_busy(allowed, busy, n_busy),
			      MONITOR_MOVE_PLACE, ret);
	if (s->over[current] < p->sustain || (s->moved && s->tick - s->moved_at < p->hold))
		return 0;
	to = cpu_busy_idle_target(allowed, busy, n_busy, p->busy_percent, p->margin, current, NULL);
	if (to < 0)
		return 0;
	return record(s, busy, n_busy, current, to, MONITOR_MOVE_BUSY, ret);
}

int monitor_move_format(const MonitorMove *m, double busy_percent, char **ret)
{
	char from[64], to[64];
	int r;

	cpu_busy_format(to, sizeof(to), m->to, m->to_busy);
	if (m->reason == MONITOR_MOVE_PLACE && m->from < 0)
		r = asprintf(ret, "placed on CPU %d (was not on one allowed CPU): %s", m->to, to);
	else if (m->reason == MONITOR_MOVE_PLACE)
		r = asprintf(ret, "CPU %d -> CPU %d (CPU %d is not allowed): %s", m->from, m->to, m->from, to);
	else {
		cpu_busy_format(from, sizeof(from), m->from, m->from_busy);
		r = asprintf(ret, "CPU %d -> CPU %d: %s (over %.0f%% for %u samples), %s", m->from, m->to, from,
			     busy_percent, m->over, to);
	}
	return r < 0 ? -ENOMEM : 0;
}
