/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "basic/macro.h"
#include "host/rtnl-vf-stats.h"

/* The most VFs one PF can have (the TotalVFs field is 16 bits). */
#define VFS_MAX 65536U

static struct nla_policy vf_policy[IFLA_VF_MAX + 1] = {
	[IFLA_VF_MAC] = { .minlen = sizeof(struct ifla_vf_mac) },
	[IFLA_VF_STATS] = { .type = NLA_NESTED },
};

/* The kernel's attribute per VfStat. */
static const int stat_attr[_VF_STAT_MAX] = {
	[VF_STAT_RX_PACKETS] = IFLA_VF_STATS_RX_PACKETS, [VF_STAT_TX_PACKETS] = IFLA_VF_STATS_TX_PACKETS,
	[VF_STAT_RX_BYTES] = IFLA_VF_STATS_RX_BYTES,	 [VF_STAT_TX_BYTES] = IFLA_VF_STATS_TX_BYTES,
	[VF_STAT_BROADCAST] = IFLA_VF_STATS_BROADCAST,	 [VF_STAT_MULTICAST] = IFLA_VF_STATS_MULTICAST,
	[VF_STAT_RX_DROPPED] = IFLA_VF_STATS_RX_DROPPED, [VF_STAT_TX_DROPPED] = IFLA_VF_STATS_TX_DROPPED,
};

/* One IFLA_VF_INFO: its index (every VF carries IFLA_VF_MAC) and the
 * counters present; a counter of the wrong size is a malformed message. */
static int parse_vf(struct nlattr *info, VfStats *ret)
{
	struct nlattr *t[IFLA_VF_MAX + 1], *st[IFLA_VF_STATS_MAX + 1];
	VfStats s = {};

	if (nla_parse_nested(t, IFLA_VF_MAX, info, vf_policy) < 0 || !t[IFLA_VF_MAC])
		return -EBADMSG;
	s.index = ((const struct ifla_vf_mac *)nla_data(t[IFLA_VF_MAC]))->vf;
	if (t[IFLA_VF_STATS]) {
		if (nla_parse_nested(st, IFLA_VF_STATS_MAX, t[IFLA_VF_STATS], NULL) < 0)
			return -EBADMSG;
		for (VfStat k = 0; k < _VF_STAT_MAX; k++) {
			struct nlattr *a = st[stat_attr[k]];

			if (!a)
				continue;
			if (nla_len(a) != sizeof(uint64_t))
				return -EBADMSG;
			s.v[k] = nla_get_u64(a);
			s.mask |= 1u << k;
		}
	}
	*ret = s;
	return 0;
}

static int cmp_index(const void *a, const void *b)
{
	const VfStats *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

int rtnl_vf_stats_parse(const void *buf, size_t len, VfStats **ret, size_t *ret_n)
{
	_cleanup_free_ struct nlmsghdr *h = NULL;
	_cleanup_free_ VfStats *vfs = NULL;
	struct nlattr *tb[IFLA_MAX + 1], *vf;
	size_t n = 0, cap = 0;
	int rem;

	if (len < NLMSG_HDRLEN + sizeof(struct ifinfomsg) || len > UINT32_MAX)
		return -EBADMSG;
	/* An aligned copy: buf may be neither aligned nor writable. */
	h = malloc(NLMSG_ALIGN(len));
	if (!h)
		return -ENOMEM;
	memcpy(h, buf, len);
	if (h->nlmsg_len > len || h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg) || h->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return -EBADMSG;
	/* nlmsg_parse() skips a cut last attribute: 0 VFs, not an error. */
	nla_for_each_attr(vf, nlmsg_attrdata(h, sizeof(struct ifinfomsg)), nlmsg_attrlen(h, sizeof(struct ifinfomsg)),
			  rem);
	if (rem != 0)
		return -EBADMSG;
	if (tb[IFLA_VFINFO_LIST]) {
		nla_for_each_nested(vf, tb[IFLA_VFINFO_LIST], rem) {
			if (n == cap) {
				VfStats *a;

				if (cap >= VFS_MAX)
					return -EBADMSG;
				cap = cap ? cap * 2 : 8;
				a = reallocarray(vfs, cap, sizeof(*a));
				if (!a)
					return -ENOMEM;
				vfs = a;
			}
			if (parse_vf(vf, &vfs[n]) < 0)
				return -EBADMSG;
			n++;
		}
		/* Trailing bytes that do not form an attribute: truncated. */
		if (rem != 0)
			return -EBADMSG;
	}
	if (!vfs && !(vfs = calloc(1, sizeof(*vfs))))
		return -ENOMEM;
	qsort(vfs, n, sizeof(*vfs), cmp_index);
	*ret = TAKE_PTR(vfs);
	*ret_n = n;
	return 0;
}

int rtnl_vf_stats_read(Rtnl *r, const char *ifname, VfStats **ret, size_t *ret_n)
{
	_cleanup_free_ void *msg = NULL;
	size_t len;
	int e;

	e = rtnl_link_message(r, ifname, &msg, &len);
	if (e < 0)
		return e;
	return rtnl_vf_stats_parse(msg, len, ret, ret_n);
}
