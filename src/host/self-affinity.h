/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "basic/cpuset.h"

/*
 * This process's own CPU affinity, for every one of its threads
 * (sched_setaffinity(2) per thread id listed in /proc/self/task).  These
 * are kvmnetd's own threads, not the host it observes: /proc/self is read
 * as it is, never below $KVMNET_SYSROOT.
 */

/* The calling thread's affinity. */
int self_affinity(CpuSet *ret);
/* Every thread's affinity set to `set`; threads made afterwards by any of
 * them inherit it.  The list is read again until a pass finds no thread
 * it had not set, so one started meanwhile is not missed.  *ret_threads
 * (may be NULL): how many threads were set.  The kernel's -errno of the
 * first thread it refused (EINVAL: no CPU of the set is allowed, e.g. by
 * a cpuset cgroup); the others are still tried. */
int self_pin_threads(const CpuSet *set, unsigned *ret_threads);
/* Every thread's affinity, intersected: what all of them may use. */
int self_threads_affinity(CpuSet *ret);
/* The CPU the calling thread runs on now (sched_getcpu(3)). */
int self_current_cpu(void);
