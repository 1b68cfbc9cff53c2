/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>
#include <netlink/socket.h>

#include "basic/macro.h"
#include "rtnl-vf.h"

struct Rtnl {
	struct nl_sock *sk;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link_vf *, rtnl_link_vf_put)

/* libnl folds errnos into its own codes; undo that for the few that
 * reach us without a kernel NLMSG_ERROR (socket and memory trouble). */
static int nlerr_to_errno(int e)
{
	switch (abs(e)) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int rtnl_open(Rtnl **ret)
{
	Rtnl *r;
	int e;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->sk = nl_socket_alloc();
	if (!r->sk) {
		free(r);
		return -ENOMEM;
	}
	/* nl_connect opens the socket with SOCK_CLOEXEC. */
	e = nl_connect(r->sk, NETLINK_ROUTE);
	if (e < 0) {
		rtnl_close(r);
		return nlerr_to_errno(e);
	}
	/* A PF with many VFs answers with more than a page. */
	nl_socket_enable_msg_peek(r->sk);
	/* Replies are matched to requests by sequence number in wait_reply;
	 * libnl's own check would count differently. */
	nl_socket_disable_seq_check(r->sk);
	*ret = r;
	return 0;
}

void rtnl_close(Rtnl *r)
{
	if (!r)
		return;
	nl_socket_free(r->sk);
	free(r);
}

/*
 * Read until the answer to seq: the kernel's NLMSG_ERROR (its error, as
 * the kernel's own errno rather than libnl's coarser code, or 0 for an
 * ack), or when ret_reply is given the first other message, copied.
 */
static int wait_reply(Rtnl *r, uint32_t seq, struct nlmsghdr **ret_reply)
{
	for (;;) {
		_cleanup_free_ unsigned char *buf = NULL;
		struct sockaddr_nl peer;
		struct nlmsghdr *h;
		int n;

		n = nl_recv(r->sk, &peer, &buf, NULL);
		if (n < 0)
			return nlerr_to_errno(n);
		if (n == 0)
			return -EIO;
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
			if (h->nlmsg_seq != seq)
				continue; /* a late answer to something else */
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = nlmsg_data(h);

				if (h->nlmsg_len < (uint32_t)nlmsg_size(sizeof(*e)) || e->error > 0)
					return -EBADMSG;
				return e->error;
			}
			if (ret_reply) {
				*ret_reply = malloc(h->nlmsg_len);
				if (!*ret_reply)
					return -ENOMEM;
				memcpy(*ret_reply, h, h->nlmsg_len);
				return 0;
			}
		}
	}
}

/* Send msg; with ret_reply, wait for its answer message (no ACK asked),
 * else for the kernel's ACK. */
static int transact(Rtnl *r, struct nl_msg *msg, struct nlmsghdr **ret_reply)
{
	int e;

	nl_complete_msg(r->sk, msg);
	if (ret_reply)
		nlmsg_hdr(msg)->nlmsg_flags &= ~NLM_F_ACK;
	else
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	e = nl_send(r->sk, msg);
	if (e < 0)
		return nlerr_to_errno(e);
	return wait_reply(r, nlmsg_hdr(msg)->nlmsg_seq, ret_reply);
}

static int send_ack(Rtnl *r, struct nl_msg *msg)
{
	return transact(r, msg, NULL);
}

/* The kernel's RTM_NEWLINK for ifname, VFs included. */
static int get_link(Rtnl *r, const char *ifname, struct nlmsghdr **ret)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	_cleanup_free_ struct nlmsghdr *reply = NULL;
	int e;

	if (isempty(ifname) || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	/* libnl asks with IFLA_EXT_MASK = RTEXT_FILTER_VF, so VFs come too. */
	e = rtnl_link_build_get_request(0, ifname, &msg);
	if (e < 0)
		return nlerr_to_errno(e);
	e = transact(r, msg, &reply);
	if (e < 0)
		return e;
	if (reply->nlmsg_type != RTM_NEWLINK || reply->nlmsg_len < NLMSG_HDRLEN + sizeof(struct ifinfomsg))
		return -EBADMSG;
	*ret = TAKE_PTR(reply);
	return 0;
}

int rtnl_link_message(Rtnl *r, const char *ifname, void **ret, size_t *ret_len)
{
	struct nlmsghdr *reply = NULL;
	int e;

	e = get_link(r, ifname, &reply);
	if (e < 0)
		return e;
	*ret_len = reply->nlmsg_len;
	*ret = reply;
	return 0;
}

int rtnl_set_timeout(Rtnl *r, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(nl_socket_get_fd(r->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return negative_errno();
	return 0;
}

int rtnl_vf_read(Rtnl *r, const char *ifname, VfConfig **ret, size_t *ret_n)
{
	_cleanup_free_ struct nlmsghdr *reply = NULL;
	int e;

	e = get_link(r, ifname, &reply);
	if (e < 0)
		return e;
	return rtnl_vf_parse(reply, reply->nlmsg_len, ret, ret_n);
}

/* A libnl VF object carrying the attributes in mask. */
static int vf_to_libnl(const VfConfig *c, uint32_t mask, struct rtnl_link_vf **ret)
{
	_cleanup_(rtnl_link_vf_putp) struct rtnl_link_vf *v = rtnl_link_vf_alloc();

	if (!v)
		return -ENOMEM;
	rtnl_link_vf_set_index(v, c->index);
	if (mask & VF_ATTR_BIT(VF_ATTR_MAC)) {
		struct nl_addr *a = nl_addr_build(AF_LLC, c->mac, 6);

		if (!a)
			return -ENOMEM;
		rtnl_link_vf_set_addr(v, a);
		nl_addr_put(a);
	}
	if (mask & VF_ATTR_BIT(VF_ATTR_VLAN)) {
		nl_vf_vlans_t *vl = NULL;

		if (rtnl_link_vf_vlan_alloc(&vl, 1) < 0)
			return -ENOMEM;
		vl->vlans[0].vf_vlan = c->vlan;
		vl->vlans[0].vf_vlan_qos = c->qos;
		vl->vlans[0].vf_vlan_proto = ETH_P_8021Q; /* sent as plain IFLA_VF_VLAN */
		rtnl_link_vf_set_vlans(v, vl);
		rtnl_link_vf_vlan_put(vl);
	}
	if (mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK))
		rtnl_link_vf_set_spoofchk(v, c->spoofchk);
	if (mask & VF_ATTR_BIT(VF_ATTR_TRUST))
		rtnl_link_vf_set_trust(v, c->trust);
	if (mask & VF_ATTR_BIT(VF_ATTR_LINK_STATE))
		rtnl_link_vf_set_linkstate(v, c->link_state);
	/* IFLA_VF_RATE always carries both limits; the caller filled the one
	 * it does not change from the current state. */
	if (mask & (VF_ATTR_BIT(VF_ATTR_MIN_RATE) | VF_ATTR_BIT(VF_ATTR_MAX_RATE))) {
		struct nl_vf_rate rate = {
			.api = RTNL_LINK_VF_RATE_API_NEW,
			.min_tx_rate = c->min_rate,
			.max_tx_rate = c->max_rate,
		};

		rtnl_link_vf_set_rate(v, &rate);
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* RTM_SETLINK for ifindex with one IFLA_VF_INFO per config, each limited
 * to the attributes in mask & config mask. */
static int build_setlink(int ifindex, const VfConfig *c, size_t n, uint32_t mask, struct nl_msg **ret)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_(rtnl_link_putp) struct rtnl_link *changes = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int e;

	if (!orig || !changes)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	/* libnl adds at the head of its list: add backwards so the message
	 * lists VFs in the caller's order, which the kernel applies in turn. */
	for (size_t i = n; i-- > 0;) {
		_cleanup_(rtnl_link_vf_putp) struct rtnl_link_vf *v = NULL;

		e = vf_to_libnl(&c[i], c[i].mask & mask, &v);
		if (e < 0)
			return e;
		e = rtnl_link_vf_add(changes, v); /* takes its own reference */
		if (e < 0)
			return nlerr_to_errno(e);
	}
	e = rtnl_link_build_change_request(orig, changes, 0, &msg);
	if (e < 0)
		return nlerr_to_errno(e);
	/* What ip(8) sends: a plain set, never a create. */
	nlmsg_hdr(msg)->nlmsg_type = RTM_SETLINK;
	*ret = msg;
	return 0;
}

int rtnl_vf_build_request(int ifindex, const VfConfig *want, size_t n, void **ret, size_t *ret_len)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	struct nlmsghdr *h;
	void *copy;
	int e;

	e = build_setlink(ifindex, want, n, VF_ATTR_ALL, &msg);
	if (e < 0)
		return e;
	h = nlmsg_hdr(msg);
	copy = malloc(h->nlmsg_len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, h, h->nlmsg_len);
	*ret = copy;
	*ret_len = h->nlmsg_len;
	return 0;
}

static int ifindex_of(const char *ifname)
{
	unsigned idx;

	if (isempty(ifname) || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	idx = if_nametoindex(ifname);
	if (idx == 0)
		return errno == ENXIO || errno == ENODEV ? -ENODEV : negative_errno();
	return (int)idx;
}

/* Copy want, filling the rate a request leaves out from the current
 * state, since the kernel sets both limits at once. */
static int complete_rates(Rtnl *r, const char *ifname, const VfConfig *want, size_t n, VfConfig **ret)
{
	const uint32_t both = VF_ATTR_BIT(VF_ATTR_MIN_RATE) | VF_ATTR_BIT(VF_ATTR_MAX_RATE);
	_cleanup_free_ VfConfig *have = NULL, *out = NULL;
	size_t n_have = 0;
	bool need = false;
	int e;

	out = calloc(n ? n : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, want, n * sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if ((want[i].mask & both) && (want[i].mask & both) != both)
			need = true;
	if (need) {
		e = rtnl_vf_read(r, ifname, &have, &n_have);
		if (e < 0)
			return e;
	}
	for (size_t i = 0; need && i < n; i++) {
		const VfConfig *h = vf_config_find(have, n_have, want[i].index);

		if (!h || (want[i].mask & both) == both || !(want[i].mask & both))
			continue;
		if (!(want[i].mask & VF_ATTR_BIT(VF_ATTR_MIN_RATE)))
			out[i].min_rate = h->min_rate;
		else
			out[i].max_rate = h->max_rate;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* One attribute of one VF in its own message, to learn which one the
 * driver refuses.  The rates go one at a time with the other limit kept. */
static int apply_one(Rtnl *r, int ifindex, const VfConfig *c, VfAttr a, const VfConfig *cur)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	VfConfig one = *c;
	int e;

	if (a == VF_ATTR_MIN_RATE && cur && !(c->mask & VF_ATTR_BIT(VF_ATTR_MAX_RATE)))
		one.max_rate = cur->max_rate;
	if (a == VF_ATTR_MAX_RATE && cur)
		one.min_rate = cur->min_rate;
	one.mask = VF_ATTR_BIT(a);
	e = build_setlink(ifindex, &one, 1, VF_ATTR_ALL, &msg);
	if (e < 0)
		return e;
	return send_ack(r, msg);
}

int rtnl_vf_apply(Rtnl *r, const char *ifname, const VfConfig *want, size_t n, int *ret_errors)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	_cleanup_free_ VfConfig *full = NULL, *cur = NULL;
	size_t n_cur = 0;
	int ifindex, e, refused = 0;

	ifindex = ifindex_of(ifname);
	if (ifindex < 0)
		return ifindex;
	if (ret_errors)
		memset(ret_errors, 0, n * _VF_ATTR_MAX * sizeof(int));
	if (n == 0)
		return 0;
	e = complete_rates(r, ifname, want, n, &full);
	if (e < 0)
		return e;
	e = build_setlink(ifindex, full, n, VF_ATTR_ALL, &msg);
	if (e < 0)
		return e;
	e = send_ack(r, msg);
	if (e == 0)
		return 0;
	if (e == -ENODEV || e == -ENOMEM || e == -EBADF)
		return e;
	/* The kernel stops at the first refusal and keeps what came before;
	 * going attribute by attribute sets the rest and names the culprit.
	 * The rates go in pairs, so the pair's other half is read back: when
	 * it cannot be, what the kernel kept is unknown and nothing more is
	 * sent. */
	e = rtnl_vf_read(r, ifname, &cur, &n_cur);
	if (e < 0)
		return e;
	for (size_t i = 0; i < n; i++)
		for (VfAttr a = 0; a < _VF_ATTR_MAX; a++) {
			if (!(full[i].mask & VF_ATTR_BIT(a)))
				continue;
			e = apply_one(r, ifindex, &full[i], a, vf_config_find(cur, n_cur, full[i].index));
			if (e < 0) {
				refused++;
				if (ret_errors)
					ret_errors[i * _VF_ATTR_MAX + a] = e;
			}
		}
	return refused;
}

static int get_flags(Rtnl *r, const char *ifname, unsigned *ret)
{
	_cleanup_free_ struct nlmsghdr *reply = NULL;
	int e;

	e = get_link(r, ifname, &reply);
	if (e < 0)
		return e;
	*ret = ((struct ifinfomsg *)nlmsg_data(reply))->ifi_flags;
	return 0;
}

int rtnl_link_is_up(Rtnl *r, const char *ifname, bool *ret)
{
	unsigned flags;
	int e = get_flags(r, ifname, &flags);

	if (e < 0)
		return e;
	*ret = !!(flags & IFF_UP);
	return 0;
}

int rtnl_link_set_updown(Rtnl *r, const char *ifname, bool want_up, bool *ret_changed)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_(rtnl_link_putp) struct rtnl_link *changes = rtnl_link_alloc();
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	int ifindex, e;
	bool up;

	if (!orig || !changes)
		return -ENOMEM;
	e = rtnl_link_is_up(r, ifname, &up);
	if (e < 0)
		return e;
	if (up != want_up) {
		ifindex = ifindex_of(ifname);
		if (ifindex < 0)
			return ifindex;
		rtnl_link_set_ifindex(orig, ifindex);
		if (want_up)
			rtnl_link_set_flags(changes, IFF_UP);
		else
			rtnl_link_unset_flags(changes, IFF_UP);
		e = rtnl_link_build_change_request(orig, changes, 0, &msg);
		if (e < 0)
			return nlerr_to_errno(e);
		nlmsg_hdr(msg)->nlmsg_type = RTM_SETLINK;
		e = send_ack(r, msg);
		if (e < 0)
			return e;
	}
	if (ret_changed)
		*ret_changed = up != want_up;
	return 0;
}

int rtnl_link_set_up(Rtnl *r, const char *ifname, bool *ret_changed)
{
	return rtnl_link_set_updown(r, ifname, true, ret_changed);
}

int rtnl_vf_apply_changes(Rtnl *r, const char *ifname, const VfConfig *want, size_t n, int *ret_errors,
			  uint32_t *ret_sent)
{
	_cleanup_free_ VfConfig *have = NULL, *todo = NULL;
	_cleanup_free_ int *errs = NULL;
	_cleanup_free_ uint32_t *sent = NULL;
	size_t n_have = 0, k = 0;
	int e;

	e = rtnl_vf_read(r, ifname, &have, &n_have);
	if (e < 0)
		return e;
	todo = calloc(n ? n : 1, sizeof(*todo));
	errs = calloc((n ? n : 1) * _VF_ATTR_MAX, sizeof(int));
	sent = calloc(n ? n : 1, sizeof(*sent));
	if (!todo || !errs || !sent)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const VfConfig *h = vf_config_find(have, n_have, want[i].index);
		VfConfig c = want[i];

		/* Drop, one by one, the attributes the kernel already has. */
		for (VfAttr a = 0; h && a < _VF_ATTR_MAX; a++) {
			VfConfig one = want[i];

			one.mask &= VF_ATTR_BIT(a);
			if (one.mask && vf_config_satisfied(&one, h))
				c.mask &= ~VF_ATTR_BIT(a);
		}
		sent[i] = c.mask;
		if (c.mask)
			todo[k++] = c;
	}
	e = rtnl_vf_apply(r, ifname, todo, k, errs);
	if (e < 0)
		return e;
	if (ret_errors) {
		memset(ret_errors, 0, n * _VF_ATTR_MAX * sizeof(int));
		for (size_t i = 0, j = 0; i < n; i++)
			if (sent[i])
				memcpy(&ret_errors[i * _VF_ATTR_MAX], &errs[j++ * _VF_ATTR_MAX], _VF_ATTR_MAX * sizeof(int));
	}
	if (ret_sent)
		memcpy(ret_sent, sent, n * sizeof(*sent));
	return e;
}
