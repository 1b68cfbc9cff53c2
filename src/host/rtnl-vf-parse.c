/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing the kernel's RTM_NEWLINK with its IFLA_VFINFO_LIST (rtnl-vf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

#include "basic/macro.h"
#include "rtnl-vf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link_vf *, rtnl_link_vf_put)

static int vf_from_libnl(struct rtnl_link_vf *v, VfConfig *c)
{
	struct nl_addr *addr;
	nl_vf_vlans_t *vlans;
	struct nl_vf_rate rate;
	uint32_t u;

	memset(c, 0, sizeof(*c));
	if (rtnl_link_vf_get_index(v, &c->index) < 0)
		return -EBADMSG;
	if (rtnl_link_vf_get_addr(v, &addr) == 0 && nl_addr_get_len(addr) >= 6) {
		memcpy(c->mac, nl_addr_get_binary_addr(addr), 6);
		c->mask |= VF_ATTR_BIT(VF_ATTR_MAC);
	}
	/* libnl leaves out VLAN 0 and zero rates: absent means 0 here. */
	c->mask |= VF_ATTR_BIT(VF_ATTR_VLAN) | VF_ATTR_BIT(VF_ATTR_MIN_RATE) | VF_ATTR_BIT(VF_ATTR_MAX_RATE);
	if (rtnl_link_vf_get_vlans(v, &vlans) == 0) {
		/* get_vlans hands out a reference of its own. */
		if (vlans->size > 0) {
			c->vlan = (uint16_t)(vlans->vlans[0].vf_vlan & 0xfff);
			c->qos = (uint8_t)(vlans->vlans[0].vf_vlan_qos & 0x7);
		}
		rtnl_link_vf_vlan_put(vlans);
	}
	if (rtnl_link_vf_get_rate(v, &rate) == 0) {
		c->min_rate = rate.api == RTNL_LINK_VF_RATE_API_NEW ? rate.min_tx_rate : 0;
		c->max_rate = rate.api == RTNL_LINK_VF_RATE_API_NEW ? rate.max_tx_rate : rate.rate;
	}
	/* Spoofchk and trust are absent when the driver does not say. */
	if (rtnl_link_vf_get_spoofchk(v, &u) == 0) {
		c->spoofchk = u != 0;
		c->mask |= VF_ATTR_BIT(VF_ATTR_SPOOFCHK);
	}
	if (rtnl_link_vf_get_trust(v, &u) == 0) {
		c->trust = u != 0;
		c->mask |= VF_ATTR_BIT(VF_ATTR_TRUST);
	}
	if (rtnl_link_vf_get_linkstate(v, &u) == 0) {
		c->link_state = u;
		c->mask |= VF_ATTR_BIT(VF_ATTR_LINK_STATE);
	}
	return 0;
}

static int cmp_vf(const void *a, const void *b)
{
	const VfConfig *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static int vfs_from_link(struct rtnl_link *link, VfConfig **ret, size_t *ret_n)
{
	_cleanup_free_ VfConfig *vfs = NULL;
	uint32_t num = 0;
	size_t n = 0;

	if (rtnl_link_get_num_vf(link, &num) < 0 || !rtnl_link_has_vf_list(link))
		num = 0;
	if (num > 4096)
		return -EBADMSG;
	vfs = calloc(num ? num : 1, sizeof(*vfs));
	if (!vfs)
		return -ENOMEM;
	/* IFLA_NUM_VF counts VFs; their indexes are looked up one by one, and
	 * a VF the list lacks is skipped rather than invented. */
	for (uint32_t i = 0; i < num; i++) {
		_cleanup_(rtnl_link_vf_putp) struct rtnl_link_vf *v = rtnl_link_vf_get(link, i);

		if (v && vf_from_libnl(v, &vfs[n]) == 0)
			n++;
	}
	qsort(vfs, n, sizeof(*vfs), cmp_vf);
	*ret = TAKE_PTR(vfs);
	*ret_n = n;
	return 0;
}

struct parse_ctx {
	VfConfig *vfs;
	size_t n;
	int error;
	bool done;
};

static void parse_cb(struct nl_object *obj, void *arg)
{
	struct parse_ctx *ctx = arg;

	if (ctx->done || !streq(nl_object_get_type(obj), "route/link"))
		return;
	ctx->error = vfs_from_link((struct rtnl_link *)obj, &ctx->vfs, &ctx->n);
	ctx->done = true;
}

/* What libnl's VF parser requires of each attribute, checked before it
 * runs: on a malformed list libnl returns half-way and leaks, and it takes
 * IFLA_VF_VLAN_INFO entries without checking their length. */
static struct nla_policy vf_policy[IFLA_VF_MAX + 1] = {
	[IFLA_VF_MAC] = { .minlen = sizeof(struct ifla_vf_mac) },
	[IFLA_VF_VLAN] = { .minlen = sizeof(struct ifla_vf_vlan) },
	[IFLA_VF_VLAN_LIST] = { .type = NLA_NESTED },
	[IFLA_VF_TX_RATE] = { .minlen = sizeof(struct ifla_vf_tx_rate) },
	[IFLA_VF_SPOOFCHK] = { .minlen = sizeof(struct ifla_vf_spoofchk) },
	[IFLA_VF_RATE] = { .minlen = sizeof(struct ifla_vf_rate) },
	[IFLA_VF_LINK_STATE] = { .minlen = sizeof(struct ifla_vf_link_state) },
	[IFLA_VF_RSS_QUERY_EN] = { .minlen = sizeof(struct ifla_vf_rss_query_en) },
	[IFLA_VF_STATS] = { .type = NLA_NESTED },
	[IFLA_VF_TRUST] = { .minlen = sizeof(struct ifla_vf_trust) },
	[IFLA_VF_IB_NODE_GUID] = { .minlen = sizeof(struct ifla_vf_guid) },
	[IFLA_VF_IB_PORT_GUID] = { .minlen = sizeof(struct ifla_vf_guid) },
};

static struct nla_policy vf_stats_policy[IFLA_VF_STATS_MAX + 1] = {
	[IFLA_VF_STATS_RX_PACKETS] = { .type = NLA_U64 }, [IFLA_VF_STATS_TX_PACKETS] = { .type = NLA_U64 },
	[IFLA_VF_STATS_RX_BYTES] = { .type = NLA_U64 },	  [IFLA_VF_STATS_TX_BYTES] = { .type = NLA_U64 },
	[IFLA_VF_STATS_BROADCAST] = { .type = NLA_U64 },  [IFLA_VF_STATS_MULTICAST] = { .type = NLA_U64 },
};

static int check_vf(struct nlattr *vf)
{
	struct nlattr *t[IFLA_VF_MAX + 1], *st[IFLA_VF_STATS_MAX + 1], *v;
	int rem;

	if (nla_parse_nested(t, IFLA_VF_MAX, vf, vf_policy) < 0)
		return -EBADMSG;
	if (t[IFLA_VF_STATS] && nla_parse_nested(st, IFLA_VF_STATS_MAX, t[IFLA_VF_STATS], vf_stats_policy) < 0)
		return -EBADMSG;
	if (t[IFLA_VF_VLAN_LIST]) {
		int n = 0;

		nla_for_each_nested(v, t[IFLA_VF_VLAN_LIST], rem) {
			if (nla_len(v) < (int)sizeof(struct ifla_vf_vlan_info))
				return -EBADMSG;
			n++;
		}
		/* An empty list leaves libnl with a VLAN flag and no VLANs,
		 * and its getter dereferences NULL (found by fuzzing). */
		if (n == 0)
			return -EBADMSG;
	}
	return 0;
}

static int check_vf_list(struct nlmsghdr *h)
{
	struct nlattr *tb[IFLA_MAX + 1], *vf;
	int rem;

	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return -EBADMSG;
	if (!tb[IFLA_VFINFO_LIST])
		return 0;
	nla_for_each_nested(vf, tb[IFLA_VFINFO_LIST], rem)
		if (check_vf(vf) < 0)
			return -EBADMSG;
	/* Trailing bytes that do not form an attribute: truncated. */
	return rem == 0 ? 0 : -EBADMSG;
}

int rtnl_vf_parse(const void *buf, size_t len, VfConfig **ret, size_t *ret_n)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	const struct nlmsghdr *h = buf;
	struct parse_ctx ctx = {};
	int e;

	if (len < NLMSG_HDRLEN + sizeof(struct ifinfomsg) || h->nlmsg_len > len ||
	    h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg) || h->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	/* nlmsg_convert copies; buf may be unaligned or const. */
	{
		_cleanup_free_ struct nlmsghdr *copy = malloc(NLMSG_ALIGN(h->nlmsg_len));

		if (!copy)
			return -ENOMEM;
		memcpy(copy, buf, h->nlmsg_len);
		e = check_vf_list(copy);
		if (e < 0)
			return e;
		msg = nlmsg_convert(copy);
	}
	if (!msg)
		return -ENOMEM;
	/* nl_msg_parse picks the parser by protocol and type. */
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	e = nl_msg_parse(msg, parse_cb, &ctx);
	if (e < 0) {
		free(ctx.vfs);
		return e == -NLE_NOMEM ? -ENOMEM : -EBADMSG;
	}
	if (!ctx.done)
		return -EBADMSG;
	if (ctx.error < 0)
		return ctx.error;
	*ret = ctx.vfs;
	*ret_n = ctx.n;
	return 0;
}
