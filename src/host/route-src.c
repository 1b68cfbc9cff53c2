/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include "basic/macro.h"
#include "route-src.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)

static int nl_errno(int e)
{
	switch (-e) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_BAD_SOCK:
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		/* libnl folds the kernel's ENETUNREACH and EHOSTUNREACH into
		 * NLE_FAILURE; a failed lookup means no way there. */
		return -ENETUNREACH;
	}
}

int route_get_ipv4(const char *dst, char ret_src[static 16], char ret_oif[static IF_NAMESIZE])
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *a = NULL;
	_cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *src;
	struct in_addr in;
	char src_buf[16], oif_buf[IF_NAMESIZE] = "";
	int e;

	if (!dst || inet_pton(AF_INET, dst, &in) != 1)
		return -EINVAL;
	a = nl_addr_build(AF_INET, &in, sizeof(in));
	sk = nl_socket_alloc();
	if (!a || !sk)
		return -ENOMEM;
	/* nl_connect opens the socket with SOCK_CLOEXEC. */
	if ((e = nl_connect(sk, NETLINK_ROUTE)) < 0 || (e = rtnl_route_lookup(sk, a, &route)) < 0)
		return nl_errno(e);
	src = rtnl_route_get_pref_src(route);
	if (!src || nl_addr_get_family(src) != AF_INET || nl_addr_get_len(src) != sizeof(in))
		return -ENETUNREACH;
	if (!inet_ntop(AF_INET, nl_addr_get_binary_addr(src), src_buf, sizeof(src_buf)))
		return -errno;
	/* A route the kernel picked has one next hop, with its device. */
	nh = rtnl_route_nexthop_n(route, 0);
	if (!nh || !if_indextoname((unsigned)rtnl_route_nh_get_ifindex(nh), oif_buf))
		return -ENETUNREACH;
	memcpy(ret_src, src_buf, sizeof(src_buf));
	memcpy(ret_oif, oif_buf, IF_NAMESIZE);
	return 0;
}

int route_source_ipv4(const char *dst, char ret[static 16])
{
	char oif[IF_NAMESIZE];

	return route_get_ipv4(dst, ret, oif);
}
