/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/string-util.h"
#include "core/cpu-busy.h"
#include "irq-sample.h"

int irq_sample_busy(const ProcStat *before, const ProcStat *after, double **ret, size_t *ret_n)
{
	return cpu_busy_sample(before, after, ret, ret_n);
}

int irq_sample_rate(const ProcInterrupts *before, const ProcInterrupts *after, unsigned irq, uint64_t dt_us,
		    double *ret)
{
	const IrqRow *a, *b;

	if (dt_us == 0)
		return -EINVAL;
	a = proc_interrupts_find(before, (int)irq);
	b = proc_interrupts_find(after, (int)irq);
	if (!a || !b)
		return -ENOENT;
	*ret = b->total >= a->total ? (double)(b->total - a->total) * 1e6 / (double)dt_us : 0;
	return 0;
}

int irq_affinity_single_cpu(const CpuSet *affinity)
{
	return cpuset_count(affinity) == 1 ? cpuset_first(affinity) : -1;
}

void irq_vcpu_pinned_cpus(DomainDef *const *defs, size_t n, CpuSet *ret)
{
	cpuset_zero(ret);
	for (size_t d = 0; d < n; d++)
		for (size_t i = 0; i < defs[d]->n_vcpupins; i++)
			CPUSET_FOREACH(cpu, &defs[d]->vcpupins[i].cpus)
				(void)cpuset_set(ret, (unsigned)cpu);
}

int irq_default_cpus(const CpuSet *online, const CpuSet *node_cpus, const CpuSet *pinned, const CpuSet *isolated,
		     CpuSet *ret)
{
	const CpuSet *base = node_cpus ? node_cpus : online;
	CpuSet free_cpus, fallback;

	cpuset_zero(&free_cpus);
	cpuset_zero(&fallback);
	CPUSET_FOREACH(cpu, base) {
		if (!cpuset_isset(online, (unsigned)cpu) || cpuset_isset(isolated, (unsigned)cpu))
			continue;
		(void)cpuset_set(&fallback, (unsigned)cpu);
		if (!cpuset_isset(pinned, (unsigned)cpu))
			(void)cpuset_set(&free_cpus, (unsigned)cpu);
	}
	if (cpuset_count(&free_cpus) > 0)
		*ret = free_cpus;
	else if (cpuset_count(&fallback) > 0)
		*ret = fallback;
	else
		return -ENOENT;
	return 0;
}

int irq_move_format(const IrqMove *m, const char *name, double busy_percent, char **ret)
{
	char from[64], to[64], who[96];
	int r;

	snprintf_utf8(who, sizeof(who), "irq %u%s%s%s", m->irq, name ? " (" : "", name ? name : "", name ? ")" : "");
	cpu_busy_format(to, sizeof(to), m->to, m->to_busy);
	if (m->from < 0)
		r = asprintf(ret, "%s: placed on CPU %d (was not pinned to one allowed CPU): %s, %.0f irq/s", who,
			     m->to, to, m->rate);
	else if (m->reason == IRQ_MOVE_PLACE)
		r = asprintf(ret, "%s: CPU %d -> CPU %d (CPU %d is not allowed): %s, %.0f irq/s", who, m->from, m->to,
			     m->from, to, m->rate);
	else {
		cpu_busy_format(from, sizeof(from), m->from, m->from_busy);
		r = asprintf(ret, "%s: CPU %d -> CPU %d: %s (over %.0f%%), %s, %.0f irq/s", who, m->from, m->to, from,
			     busy_percent, to, m->rate);
	}
	return r < 0 ? -ENOMEM : 0;
}
