/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* The kernel's per-VF traffic counters (IFLA_VF_STATS), as the PF's
 * driver keeps them: host/rtnl-vf-stats.h reads them.  A driver without
 * ndo_get_vf_stats (igb, for one) reports zeros. */
typedef enum VfStat {
	VF_STAT_RX_PACKETS,
	VF_STAT_TX_PACKETS,
	VF_STAT_RX_BYTES,
	VF_STAT_TX_BYTES,
	VF_STAT_BROADCAST, /* received */
	VF_STAT_MULTICAST, /* received */
	VF_STAT_RX_DROPPED,
	VF_STAT_TX_DROPPED,
	_VF_STAT_MAX,
} VfStat;

typedef struct VfStats {
	uint32_t index; /* the VF's index on its PF */
	uint32_t mask;	/* 1 << VfStat for each counter the kernel sent */
	uint64_t v[_VF_STAT_MAX];
} VfStats;
