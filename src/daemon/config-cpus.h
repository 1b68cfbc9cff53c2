/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "basic/cpuset.h"

/* A CPU list key of kvmnetd.conf(5) ([irq] cpus, [daemon] cpus): the
 * kernel's cpulist syntax, "2-3,6", never empty; with allow_auto also the
 * word "auto" (*ret_auto true, *ret untouched).  -EINVAL with what was
 * expected in *ret_expected (static text). */
int config_cpu_list_parse(const char *value, bool allow_auto, bool *ret_auto, CpuSet *ret,
			  const char **ret_expected);

/* [daemon] cpus: where kvmnetd's own threads run (daemon/monitor-loop.h). */
typedef struct ConfigDaemonCpus {
	bool set;     /* the key was given: kvmnetd samples and moves itself */
	bool is_auto; /* "auto", or not set: the housekeeping CPUs */
	CpuSet list;  /* when set and not auto */
} ConfigDaemonCpus;
