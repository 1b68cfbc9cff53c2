/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "sched.h"

#define DBG "/sys/kernel/debug/sched/"
#define SYSCTL "/proc/sys/kernel/"

static const SchedKnob sysctl_knobs[] = {
	{ "min_granularity", SYSCTL "sched_min_granularity_ns", 4000000 },
	{ "wakeup_granularity", SYSCTL "sched_wakeup_granularity_ns", 4000000 },
	{ "latency", SYSCTL "sched_latency_ns", 32000000 },
};

static const SchedKnob debugfs_knobs[] = {
	{ "min_granularity", DBG "min_granularity_ns", 4000000 },
	{ "wakeup_granularity", DBG "wakeup_granularity_ns", 4000000 },
	{ "latency", DBG "latency_ns", 32000000 },
};

static const SchedKnob eevdf_knobs[] = {
	{ "base_slice", DBG "base_slice_ns", 4000000 },
};

SchedFlavor sched_detect(void)
{
	/* Newest first: a kernel never has both layouts. */
	if (access_root(DBG "base_slice_ns", F_OK) == 0)
		return SCHED_FLAVOR_EEVDF;
	if (access_root(DBG "min_granularity_ns", F_OK) == 0)
		return SCHED_FLAVOR_DEBUGFS;
	if (access_root(SYSCTL "sched_min_granularity_ns", F_OK) == 0)
		return SCHED_FLAVOR_SYSCTL;
	return SCHED_FLAVOR_NONE;
}

const char *sched_flavor_to_string(SchedFlavor f)
{
	switch (f) {
	case SCHED_FLAVOR_SYSCTL:
		return "sysctl";
	case SCHED_FLAVOR_DEBUGFS:
		return "debugfs";
	case SCHED_FLAVOR_EEVDF:
		return "eevdf";
	default:
		return "none";
	}
}

const SchedKnob *sched_knobs(SchedFlavor f, size_t *ret_n)
{
	switch (f) {
	case SCHED_FLAVOR_SYSCTL:
		*ret_n = ELEMENTSOF(sysctl_knobs);
		return sysctl_knobs;
	case SCHED_FLAVOR_DEBUGFS:
		*ret_n = ELEMENTSOF(debugfs_knobs);
		return debugfs_knobs;
	case SCHED_FLAVOR_EEVDF:
		*ret_n = ELEMENTSOF(eevdf_knobs);
		return eevdf_knobs;
	default:
		*ret_n = 0;
		return NULL;
	}
}

int sched_read(const SchedKnob *k, uint64_t *ret)
{
	return read_u64_file(k->path, ret);
}

int sched_write(const SchedKnob *k, uint64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return write_string_file(k->path, buf);
}
