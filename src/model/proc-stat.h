/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The "cpu" lines of /proc/stat, in USER_HZ ticks.  Kernels before 2.6.11
 * lack steal, before 2.6.24 guest, before 2.6.33 guest_nice; missing
 * fields read as 0 and n_fields says how many there were.  guest and
 * guest_nice are already counted in user and nice (see the kernel's
 * account_guest_time()), so they are not added again to a total.
 */
typedef struct CpuTimes {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
	unsigned n_fields;
} CpuTimes;

typedef struct CpuStat {
	unsigned cpu;
	CpuTimes t;
} CpuStat;

typedef struct ProcStat {
	bool has_all;	/* the aggregate "cpu" line was there */
	CpuTimes all;
	CpuStat *cpus;	/* "cpuN" lines in file order; offline CPUs are absent */
	size_t n_cpus;
} ProcStat;

/* Non-cpu lines (intr, ctxt...) and malformed cpu lines are skipped; a text
 * with no cpu line at all is -EBADMSG. */
int proc_stat_parse(const char *text, ProcStat **ret);
void proc_stat_free(ProcStat *s);
const CpuTimes *proc_stat_cpu(const ProcStat *s, unsigned cpu);

/* Ticks spent, all fields but guest and guest_nice. */
uint64_t cpu_times_total(const CpuTimes *t);
/* Busy share between two samples, 0..100: everything but idle and iowait
 * over everything.  Counters that went backwards (iowait does on NOHZ,
 * hotplug resets a CPU) count as 0.  -ENODATA when no time passed. */
int cpu_times_busy_percent(const CpuTimes *before, const CpuTimes *after, double *ret);
/* The same for one CPU found in both samples; -ENOENT when it is missing
 * from either (went offline). */
int proc_stat_busy_percent(const ProcStat *before, const ProcStat *after, unsigned cpu, double *ret);

static inline void proc_stat_freep(ProcStat **s)
{
	proc_stat_free(*s);
}
#define _cleanup_proc_stat_ __attribute__((cleanup(proc_stat_freep)))
