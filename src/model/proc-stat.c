/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cpuset.h"
#include "basic/macro.h"
#include "model/proc-stat.h"

/* The cpu lines of 8192 CPUs are ~1 MB; intr of many irqs adds more. */

void proc_stat_free(ProcStat *s)
{
	if (!s)
		return;
	free(s->cpus);
	free(s);
}

/* Up to ten decimal fields after "cpu" or "cpuN"; at least four (user nice
 * system idle, as in every kernel) or the line is malformed. */
static int parse_times(const char *p, const char *end, CpuTimes *ret)
{
	uint64_t v[10] = {};
	unsigned n = 0;

	for (;;) {
		unsigned long long x;
		char *e;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || n == ELEMENTSOF(v))
			break;
		if (!isdigit((unsigned char)*p))
			return -EBADMSG;
		errno = 0;
		x = strtoull(p, &e, 10);
		if (errno || e > end || (e < end && *e != ' ' && *e != '\t'))
			return -EBADMSG;
		v[n++] = x;
		p = e;
	}
	if (n < 4)
		return -EBADMSG;
	*ret = (CpuTimes){ v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], n };
	return 0;
}

static int add_cpu(ProcStat *s, unsigned cpu, const CpuTimes *t, size_t *cap)
{
	if (s->n_cpus == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		CpuStat *n = realloc(s->cpus, nc * sizeof(CpuStat));

		if (!n)
			return -ENOMEM;
		s->cpus = n;
		*cap = nc;
	}
	s->cpus[s->n_cpus++] = (CpuStat){ cpu, *t };
	return 0;
}

static int parse_line(ProcStat *s, const char *p, const char *end, size_t *cap)
{
	CpuTimes t;
	unsigned long cpu;
	char *e;

	if (end - p < 3 || !strneq(p, "cpu", 3))
		return 0;
	p += 3;
	if (p < end && (*p == ' ' || *p == '\t')) {
		if (s->has_all || parse_times(p, end, &t) < 0)
			return 0;
		s->all = t;
		s->has_all = true;
		return 0;
	}
	if (p >= end || !isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	cpu = strtoul(p, &e, 10);
	if (errno || cpu >= CPUSET_MAX || e >= end || (*e != ' ' && *e != '\t'))
		return 0;
	/* The kernel prints CPUs ascending; a repeat or step back is garbage. */
	if ((s->n_cpus > 0 && s->cpus[s->n_cpus - 1].cpu >= cpu) || parse_times(e, end, &t) < 0)
		return 0;
	return add_cpu(s, (unsigned)cpu, &t, cap);
}

int proc_stat_parse(const char *text, ProcStat **ret)
{
	ProcStat *s;
	size_t cap = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (const char *p = text; *p;) {
		const char *end = p + strcspn(p, "\n");
		int r = parse_line(s, p, end, &cap);

		if (r < 0) {
			proc_stat_free(s);
			return r;
		}
		p = *end ? end + 1 : end;
	}
	if (!s->has_all && s->n_cpus == 0) {
		proc_stat_free(s);
		return -EBADMSG;
	}
	*ret = s;
	return 0;
}


const CpuTimes *proc_stat_cpu(const ProcStat *s, unsigned cpu)
{
	for (size_t i = 0; i < s->n_cpus; i++)
		if (s->cpus[i].cpu == cpu)
			return &s->cpus[i].t;
	return NULL;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

uint64_t cpu_times_total(const CpuTimes *t)
{
	uint64_t f[] = { t->user, t->nice, t->system, t->idle, t->iowait, t->irq, t->softirq, t->steal };
	uint64_t sum = 0;

	for (size_t i = 0; i < ELEMENTSOF(f); i++)
		sum = sat_add(sum, f[i]);
	return sum;
}

static uint64_t delta(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

int cpu_times_busy_percent(const CpuTimes *a, const CpuTimes *b, double *ret)
{
	uint64_t busy = 0, idle;
	uint64_t f[][2] = {
		{ a->user, b->user }, { a->nice, b->nice }, { a->system, b->system },
		{ a->irq, b->irq }, { a->softirq, b->softirq }, { a->steal, b->steal },
	};

	for (size_t i = 0; i < ELEMENTSOF(f); i++)
		busy = sat_add(busy, delta(f[i][0], f[i][1]));
	idle = sat_add(delta(a->idle, b->idle), delta(a->iowait, b->iowait));
	if (sat_add(busy, idle) == 0)
		return -ENODATA;
	/* busy / (busy + idle) rounds to at most 1, 100 * busy / ... may not. */
	*ret = 100.0 * ((double)busy / ((double)busy + (double)idle));
	return 0;
}

int proc_stat_busy_percent(const ProcStat *before, const ProcStat *after, unsigned cpu, double *ret)
{
	const CpuTimes *a = proc_stat_cpu(before, cpu), *b = proc_stat_cpu(after, cpu);

	if (!a || !b)
		return -ENOENT;
	return cpu_times_busy_percent(a, b, ret);
}
