/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu-busy.h"

double cpu_busy_at(const double *busy, size_t n_busy, int cpu)
{
	double b;

	if (cpu < 0 || (size_t)cpu >= n_busy)
		return -1;
	b = busy[cpu];
	return isnan(b) || b < 0 ? -1 : b;
}

void cpu_busy_count_over(uint16_t over[static CPUSET_MAX], const double *busy, size_t n_busy, double busy_percent)
{
	for (size_t cpu = 0; cpu < CPUSET_MAX; cpu++) {
		double b = cpu_busy_at(busy, n_busy, (int)cpu);

		if (b > busy_percent)
			over[cpu] = over[cpu] < UINT16_MAX ? over[cpu] + 1 : UINT16_MAX;
		else
			over[cpu] = 0;
	}
}

int cpu_busy_idle_target(const CpuSet *allowed, const double *busy, size_t n_busy, double busy_percent,
			 double margin, int from, const CpuSet *skip)
{
	int best = -1;

	CPUSET_FOREACH(cpu, allowed) {
		double b = cpu_busy_at(busy, n_busy, cpu);

		if (cpu == from || b < 0 || b >= busy_percent - margin || (skip && cpuset_isset(skip, (unsigned)cpu)))
			continue;
		if (best < 0 || b < cpu_busy_at(busy, n_busy, best))
			best = cpu;
	}
	return best;
}

void cpu_busy_format(char *buf, size_t size, int cpu, double busy)
{
	if (busy < 0 || isnan(busy))
		snprintf(buf, size, "CPU %d busy unknown", cpu);
	else
		snprintf(buf, size, "CPU %d busy %.1f%%", cpu, busy);
}

int cpu_busy_sample(const ProcStat *before, const ProcStat *after, double **ret, size_t *ret_n)
{
	size_t n = 0;
	double *busy;

	for (size_t i = 0; i < after->n_cpus; i++)
		if (after->cpus[i].cpu + 1 > n)
			n = after->cpus[i].cpu + 1;
	for (size_t i = 0; i < before->n_cpus; i++)
		if (before->cpus[i].cpu + 1 > n)
			n = before->cpus[i].cpu + 1;
	if (n > CPUSET_MAX)
		return -E2BIG;
	busy = malloc((n + 1) * sizeof(double));
	if (!busy)
		return -ENOMEM;
	for (size_t cpu = 0; cpu < n; cpu++)
		if (proc_stat_busy_percent(before, after, (unsigned)cpu, &busy[cpu]) < 0)
			busy[cpu] = -1;
	*ret = busy;
	*ret_n = n;
	return 0;
}
