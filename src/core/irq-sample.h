/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "basic/cpuset.h"
#include "core/irq-placement.h"
#include "model/proc-interrupts.h"
#include "model/proc-stat.h"
#include "model/domain-xml.h"

/*
 * The pure half of kvmnetd's interrupt sampler: two snapshots of
 * /proc/stat and /proc/interrupts (parsed, not read here) in, the inputs
 * of irq_placement_decide() out; and the CPU set the vectors may use.
 */

/* busy[cpu] for every cpu <= the highest in either sample, the busy share
 * 0..100 between the samples; -1 for a CPU missing from one of them
 * (offline) or with no time passed.  *ret malloc'd, *ret_n its length. */
int irq_sample_busy(const ProcStat *before, const ProcStat *after, double **ret, size_t *ret_n);

/* Interrupts per second of irq between two snapshots dt_us apart.  A count
 * that went down (a CPU went offline and its column vanished, or the irq
 * was freed and requested again) gives 0, not a huge rate.  -ENOENT when
 * irq is missing from either snapshot, -EINVAL for dt_us == 0. */
int irq_sample_rate(const ProcInterrupts *before, const ProcInterrupts *after, unsigned irq, uint64_t dt_us,
		    double *ret);

/* The CPU a vector is pinned to when its affinity is exactly one CPU,
 * else -1 (as IrqVectorLoad.cpu wants). */
int irq_affinity_single_cpu(const CpuSet *affinity);

/* Every CPU some <vcpupin> of these domains allows: CPUs VMs' vCPUs are
 * pinned to.  A domain without vcpupin adds nothing (its vCPUs float). */
void irq_vcpu_pinned_cpus(DomainDef *const *defs, size_t n, CpuSet *ret);

/*
 * The default [irq] cpus for one NIC: its NUMA node's CPUs (node_cpus, or
 * online when the NIC has no node: node_cpus NULL), minus the pinned and the
 * isolated CPUs, within online.  When nothing is left (every CPU of the node
 * is pinned), the node's online CPUs minus the isolated ones: the vectors
 * must fire somewhere, and pinned vCPUs share better than isolated ones.
 * -ENOENT when even that is empty.
 */
int irq_default_cpus(const CpuSet *online, const CpuSet *node_cpus, const CpuSet *pinned, const CpuSet *isolated,
		     CpuSet *ret);

/* One log line for a move, with the numbers behind it:
 * "irq 42 (eth0-TxRx-0): CPU 2 -> CPU 5: CPU 2 busy 93.0% (over 80%), CPU 5 busy 12.5%, 8123 irq/s" */
int irq_move_format(const IrqMove *m, const char *name, double busy_percent, char **ret);
