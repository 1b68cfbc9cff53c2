/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
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

int route_source_ipv4(const char *dst, char ret[static 16])
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *a = NULL;
	_cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
	struct nl_addr *src;
	struct in_addr in;
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
	if (!inet_ntop(AF_INET, nl_addr_get_binary_addr(src), ret, 16))
		return -errno;
	return 0;
}
