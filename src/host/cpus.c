/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "cpus.h"

static int read_cpulist(const char *path, CpuSet *ret)
{
	_cleanup_free_ char *line = NULL;
	int r;

	r = read_one_line(path, &line);
	if (r < 0)
		return r;
	return cpuset_parse_list(line, ret);
}

int cpus_online(CpuSet *ret)
{
	return read_cpulist("/sys/devices/system/cpu/online", ret);
}

int cpus_isolated(CpuSet *ret)
{
	return read_cpulist("/sys/devices/system/cpu/isolated", ret);
}

int cpus_nohz_full(CpuSet *ret)
{
	_cleanup_free_ char *line = NULL;
	int r;

	r = read_one_line("/sys/devices/system/cpu/nohz_full", &line);
	if (r < 0)
		return r;
	/* Kernels before 5.x print "(null)" when nohz_full= was not given. */
	if (streq(line, "(null)")) {
		cpuset_zero(ret);
		return 0;
	}
	return cpuset_parse_list(line, ret);
}

int cpus_of_node(int node, CpuSet *ret)
{
	char path[80];

	if (node < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	return read_cpulist(path, ret);
}

int cpus_numa_nodes(CpuSet *ret)
{
	return read_cpulist("/sys/devices/system/node/online", ret);
}

int cpus_numa_node_cpus(CpuSet **ret, unsigned *ret_n)
{
	CpuSet online, *cpus;
	int last = -1;

	*ret = NULL;
	*ret_n = 0;
	if (cpus_numa_nodes(&online) < 0)
		return 0;
	CPUSET_FOREACH(n, &online)
		last = n;
	if (last < 0 || last >= 1024)
		return 0;
	cpus = calloc((size_t)last + 1, sizeof(CpuSet));
	if (!cpus)
		return -ENOMEM;
	CPUSET_FOREACH(n, &online)
		(void)cpus_of_node(n, &cpus[n]);
	*ret = cpus;
	*ret_n = (unsigned)last + 1;
	return 0;
}
