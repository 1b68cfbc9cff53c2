/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The kernel's NR_CPUS ceiling on x86_64 (MAXSMP) is 8192. */
#define CPUSET_MAX 8192

typedef struct CpuSet {
	uint64_t bits[CPUSET_MAX / 64];
} CpuSet;

void cpuset_zero(CpuSet *s);
int cpuset_set(CpuSet *s, unsigned cpu);
bool cpuset_isset(const CpuSet *s, unsigned cpu);
unsigned cpuset_count(const CpuSet *s);
bool cpuset_equal(const CpuSet *a, const CpuSet *b);
/* a = a & b; a = a & ~b. */
void cpuset_and(CpuSet *a, const CpuSet *b);
void cpuset_minus(CpuSet *a, const CpuSet *b);
/* Lowest CPU in the set, or -1 when empty. */
int cpuset_first(const CpuSet *s);
/* Next CPU after `after` (use -1 to start), or -1. */
int cpuset_next(const CpuSet *s, int after);

/* The kernel's cpulist format, "0-3,8,10-11"; empty string is the empty set. */
int cpuset_parse_list(const char *s, CpuSet *ret);
/* The kernel's hex mask format, "00000000,0000000f" (smp_affinity). */
int cpuset_parse_mask(const char *s, CpuSet *ret);
/* Malloc'd list string, ranges folded. */
int cpuset_format_list(const CpuSet *s, char **ret);

#define CPUSET_FOREACH(cpu, set) \
	for (int cpu = cpuset_first(set); cpu >= 0; cpu = cpuset_next(set, cpu))
