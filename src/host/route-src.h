/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/if.h>

/* The host's source address towards an IPv4 destination, as `ip route get
 * DST` shows it after "src": the kernel's route lookup (RTM_GETROUTE over
 * rtnetlink, libnl-route-3), the preferred source of the route it picks.
 * For `kvmnetctl bench --to host`: the address a VM's iperf3 client
 * reaches the host's server at.
 *
 * dst is a dotted quad; ret gets one (16 bytes).  -EINVAL for a bad dst,
 * -ENETUNREACH when the kernel has no route or the route names no source
 * address, other -errno from the socket.  Not under $KVMNET_SYSROOT: it
 * asks the running kernel. */
int route_source_ipv4(const char *dst, char ret[static 16]);
/* The same, with the name of the device the route leaves by in ret_oif:
 * to check that a guest-reported address is on the way to that guest. */
int route_get_ipv4(const char *dst, char ret_src[static 16], char ret_oif[static IF_NAMESIZE]);
