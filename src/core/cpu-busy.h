/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "basic/cpuset.h"
#include "model/proc-stat.h"

/*
 * The busy rule that kvmnetd's two movers share: the NIC's interrupt
 * vectors ([irq], core/irq-placement.c) and kvmnetd's own threads
 * ([daemon] cpus, core/monitor-cpu.c).  A CPU is busy when it stays over
 * busy_percent for `sustain` samples in a row; what moves off it goes to
 * the least busy allowed CPU below busy_percent - margin, so that it does
 * not land on a CPU about to be busy and hop back.  Pure: busy[] comes
 * from two /proc/stat samples (cpu_busy_sample()).
 */

/* busy[cpu] for cpu < n_busy, 0..100; negative or NaN, or cpu out of
 * range, is unknown: -1. */
double cpu_busy_at(const double *busy, size_t n_busy, int cpu);

/* One sample more: over[cpu] counts the samples in a row over
 * busy_percent (saturating), reset by one at or below it or unknown. */
void cpu_busy_count_over(uint16_t over[static CPUSET_MAX], const double *busy, size_t n_busy, double busy_percent);

/* The least busy CPU of allowed, other than from and not in skip (may be
 * NULL), whose busy share is known and below busy_percent - margin; ties
 * go to the lowest number.  -1 when there is none. */
int cpu_busy_idle_target(const CpuSet *allowed, const double *busy, size_t n_busy, double busy_percent,
			 double margin, int from, const CpuSet *skip);

/* "CPU 3 busy 12.5%", or "CPU 3 busy unknown" for a negative or NaN
 * busy, into buf: the words of every move's log line. */
void cpu_busy_format(char *buf, size_t size, int cpu, double busy);

/* busy[cpu] for every cpu <= the highest in either sample, the busy share
 * 0..100 between the samples; -1 for a CPU missing from one of them
 * (offline) or with no time passed (proc_stat_busy_percent(): all but
 * idle and iowait is busy).  *ret malloc'd, *ret_n its length. */
int cpu_busy_sample(const ProcStat *before, const ProcStat *after, double **ret, size_t *ret_n);
