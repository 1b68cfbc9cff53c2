/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "basic/cpuset.h"

/*
 * CPU topology lists, all in the kernel's cpulist format:
 *   /sys/devices/system/cpu/online
 *   /sys/devices/system/cpu/isolated   (isolcpus=; empty line when none;
 *                                       absent before 4.2: -ENOENT)
 *   /sys/devices/system/cpu/nohz_full  (nohz_full=; "(null)" or an empty
 *                                       line when none; absent without
 *                                       CONFIG_NO_HZ_FULL: -ENOENT)
 *   /sys/devices/system/node/node<N>/cpulist
 *   /sys/devices/system/node/online    (the NUMA nodes, a list of numbers;
 *                                       absent without CONFIG_NUMA: -ENOENT)
 */
int cpus_online(CpuSet *ret);
int cpus_isolated(CpuSet *ret);
int cpus_nohz_full(CpuSet *ret);
/* -ENOENT for a node that does not exist, -EINVAL for node < 0 (a device
 * with numa_node -1 has no node). */
int cpus_of_node(int node, CpuSet *ret);
int cpus_numa_nodes(CpuSet *ret);
/* Every NUMA node's CPUs, by node number (a malloc'd array of *ret_n; a
 * node that is not online, or whose cpulist cannot be read, is empty).
 * *ret NULL and *ret_n 0 when the host tells no nodes (no CONFIG_NUMA, the
 * list unreadable, or a node number past 1023); -ENOMEM. */
int cpus_numa_node_cpus(CpuSet **ret, unsigned *ret_n);
