/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "host/rtnl-vf.h"
#include "model/vf-stats.h"

/*
 * The per-VF traffic counters of a PF netdev (IFLA_VF_STATS inside
 * IFLA_VFINFO_LIST), as `ip -s link show PF` prints them.  Parsed with
 * libnl's attribute functions rather than rtnl_link_vf_get_stat(): libnl
 * 3.7 knows six of the kernel's eight counters (not the dropped ones).
 */

/* Every VF the kernel lists for ifname, sorted by index; *ret_n may be 0.
 * -ENODEV when there is no such interface. */
int rtnl_vf_stats_read(Rtnl *r, const char *ifname, VfStats **ret, size_t *ret_n);
/* Exposed for tests and the fuzz harness: one RTM_NEWLINK message. */
int rtnl_vf_stats_parse(const void *buf, size_t len, VfStats **ret, size_t *ret_n);
