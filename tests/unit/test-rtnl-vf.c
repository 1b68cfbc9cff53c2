/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VF rtnetlink messages: the request built for a set is taken apart
 * again with plain nla_parse, a reply laid out as the kernel's
 * rtnl_fill_vfinfo() lays it out is parsed, odd input is refused, and
 * against the running kernel (in a private network namespace, as root) a
 * device without VF support refuses each attribute on its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "host/rtnl-vf.h"

static const uint8_t mac0[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x10 };
static const uint8_t mac1[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x11 };

static void test_build(void **state)
{
	VfConfig want[2] = {
		{ .index = 0, .mask = VF_ATTR_ALL, .vlan = 100, .qos = 3, .spoofchk = true, .trust = false,
		  .link_state = VF_LINK_STATE_DISABLE, .min_rate = 10, .max_rate = 500 },
		{ .index = 5, .mask = VF_ATTR_BIT(VF_ATTR_MAC) | VF_ATTR_BIT(VF_ATTR_TRUST), .trust = true },
	};
	struct nlattr *tb[IFLA_MAX + 1], *vf, *t[IFLA_VF_MAX + 1];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	void *buf;
	size_t len;
	int rem, i = 0;

	memcpy(want[0].mac, mac0, 6);
	memcpy(want[1].mac, mac1, 6);
	assert_int_equal(rtnl_vf_build_request(7, want, 2, &buf, &len), 0);
	h = buf;
	assert_int_equal(h->nlmsg_len, len);
	assert_int_equal(h->nlmsg_type, RTM_SETLINK);
	ifi = nlmsg_data(h);
	assert_int_equal(ifi->ifi_index, 7);
	assert_int_equal(nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL), 0);
	assert_non_null(tb[IFLA_VFINFO_LIST]);
	/* Nothing but the VF list: no name, no flags change. */
	assert_null(tb[IFLA_IFNAME]);
	nla_for_each_nested(vf, tb[IFLA_VFINFO_LIST], rem) {
		assert_int_equal(nla_type(vf), IFLA_VF_INFO);
		assert_int_equal(nla_parse_nested(t, IFLA_VF_MAX, vf, NULL), 0);
		if (i == 0) {
			const struct ifla_vf_vlan *vl = nla_data(t[IFLA_VF_VLAN]);
			const struct ifla_vf_rate *rt = nla_data(t[IFLA_VF_RATE]);
			const struct ifla_vf_link_state *ls = nla_data(t[IFLA_VF_LINK_STATE]);

			assert_memory_equal(((struct ifla_vf_mac *)nla_data(t[IFLA_VF_MAC]))->mac, mac0, 6);
			assert_int_equal(vl->vf, 0);
			assert_int_equal(vl->vlan, 100);
			assert_int_equal(vl->qos, 3);
			assert_int_equal(rt->min_tx_rate, 10);
			assert_int_equal(rt->max_tx_rate, 500);
			assert_int_equal(ls->link_state, IFLA_VF_LINK_STATE_DISABLE);
			assert_int_equal(((struct ifla_vf_spoofchk *)nla_data(t[IFLA_VF_SPOOFCHK]))->setting, 1);
			assert_int_equal(((struct ifla_vf_trust *)nla_data(t[IFLA_VF_TRUST]))->setting, 0);
		} else {
			assert_int_equal(((struct ifla_vf_mac *)nla_data(t[IFLA_VF_MAC]))->vf, 5);
			assert_memory_equal(((struct ifla_vf_mac *)nla_data(t[IFLA_VF_MAC]))->mac, mac1, 6);
			assert_int_equal(((struct ifla_vf_trust *)nla_data(t[IFLA_VF_TRUST]))->setting, 1);
			/* Only what was asked: a set must not reset the rest. */
			assert_null(t[IFLA_VF_VLAN]);
			assert_null(t[IFLA_VF_RATE]);
			assert_null(t[IFLA_VF_SPOOFCHK]);
			assert_null(t[IFLA_VF_LINK_STATE]);
		}
		i++;
	}
	assert_int_equal(i, 2);
	free(buf);
}

/* One IFLA_VF_INFO as the kernel fills it for an igb VF. */
static void put_vf(struct nl_msg *m, uint32_t vf, const uint8_t mac[6], uint32_t vlan, uint32_t qos,
		   uint32_t spoof, uint32_t trust, uint32_t state, uint32_t min, uint32_t max)
{
	struct nlattr *info = nla_nest_start(m, IFLA_VF_INFO), *vlist;
	struct ifla_vf_mac vm = { .vf = vf };
	struct ifla_vf_vlan vv = { .vf = vf, .vlan = vlan, .qos = qos };
	struct ifla_vf_vlan_info vi = { .vf = vf, .vlan = vlan, .qos = qos, .vlan_proto = htons(0x8100) };
	struct ifla_vf_rate vr = { .vf = vf, .min_tx_rate = min, .max_tx_rate = max };
	struct ifla_vf_tx_rate vt = { .vf = vf, .rate = max };
	struct ifla_vf_spoofchk vs = { .vf = vf, .setting = spoof };
	struct ifla_vf_trust vtr = { .vf = vf, .setting = trust };
	struct ifla_vf_link_state vl = { .vf = vf, .link_state = state };
	struct ifla_vf_rss_query_en rq = { .vf = vf, .setting = (uint32_t)-1 };

	memcpy(vm.mac, mac, 6);
	nla_put(m, IFLA_VF_MAC, sizeof(vm), &vm);
	nla_put(m, IFLA_VF_VLAN, sizeof(vv), &vv);
	vlist = nla_nest_start(m, IFLA_VF_VLAN_LIST);
	nla_put(m, IFLA_VF_VLAN_INFO, sizeof(vi), &vi);
	nla_nest_end(m, vlist);
	nla_put(m, IFLA_VF_RATE, sizeof(vr), &vr);
	nla_put(m, IFLA_VF_TX_RATE, sizeof(vt), &vt);
	nla_put(m, IFLA_VF_SPOOFCHK, sizeof(vs), &vs);
	nla_put(m, IFLA_VF_LINK_STATE, sizeof(vl), &vl);
	nla_put(m, IFLA_VF_RSS_QUERY_EN, sizeof(rq), &rq);
	nla_put(m, IFLA_VF_TRUST, sizeof(vtr), &vtr);
	nla_nest_end(m, info);
}

static struct nl_msg *kernel_reply(uint32_t num_vf)
{
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 3 };
	struct nlattr *list;

	nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	nla_put_string(m, IFLA_IFNAME, "enp1s0");
	nla_put_u32(m, IFLA_NUM_VF, num_vf);
	list = nla_nest_start(m, IFLA_VFINFO_LIST);
	/* Listed out of order on purpose: the result is sorted. */
	put_vf(m, 1, mac1, 0, 0, 0, (uint32_t)-1, VF_LINK_STATE_AUTO, 0, 0);
	put_vf(m, 0, mac0, 100, 3, 1, 1, VF_LINK_STATE_ENABLE, 0, 1000);
	nla_nest_end(m, list);
	return m;
}

static void test_parse(void **state)
{
	struct nl_msg *m = kernel_reply(2);
	struct nlmsghdr *h = nlmsg_hdr(m);
	VfConfig *vfs;
	size_t n;

	assert_int_equal(rtnl_vf_parse(h, h->nlmsg_len, &vfs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(vfs[0].index, 0);
	assert_memory_equal(vfs[0].mac, mac0, 6);
	assert_int_equal(vfs[0].vlan, 100);
	assert_int_equal(vfs[0].qos, 3);
	assert_true(vfs[0].spoofchk);
	assert_true(vfs[0].trust);
	assert_int_equal(vfs[0].link_state, VF_LINK_STATE_ENABLE);
	assert_int_equal(vfs[0].min_rate, 0);
	assert_int_equal(vfs[0].max_rate, 1000);
	assert_int_equal(vfs[0].mask, VF_ATTR_ALL);
	assert_int_equal(vfs[1].index, 1);
	assert_memory_equal(vfs[1].mac, mac1, 6);
	assert_int_equal(vfs[1].vlan, 0);
	assert_false(vfs[1].spoofchk);
	/* trust -1: the driver does not say, so it is not in the mask. */
	assert_false(vfs[1].mask & VF_ATTR_BIT(VF_ATTR_TRUST));
	assert_true(vfs[1].mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK));
	free(vfs);
	nlmsg_free(m);
}

static void test_parse_odd(void **state)
{
	struct nl_msg *m = kernel_reply(2);
	struct nlmsghdr *h = nlmsg_hdr(m);
	uint8_t garbage[64];
	VfConfig *vfs = NULL;
	size_t n = 0;

	assert_int_equal(rtnl_vf_parse(h, 0, &vfs, &n), -EBADMSG);
	assert_int_equal(rtnl_vf_parse(h, 10, &vfs, &n), -EBADMSG);
	/* Shorter buffer than the header claims: truncated. */
	assert_int_equal(rtnl_vf_parse(h, h->nlmsg_len - 4, &vfs, &n), -EBADMSG);
	memset(garbage, 0xa5, sizeof(garbage));
	assert_int_equal(rtnl_vf_parse(garbage, sizeof(garbage), &vfs, &n), -EBADMSG);
	/* Wrong message type. */
	h->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(rtnl_vf_parse(h, h->nlmsg_len, &vfs, &n), -EBADMSG);
	nlmsg_free(m);

	/* A huge VF count with two listed: only what is there comes back,
	 * and a count past any real device is refused. */
	m = kernel_reply(3);
	h = nlmsg_hdr(m);
	assert_int_equal(rtnl_vf_parse(h, h->nlmsg_len, &vfs, &n), 0);
	assert_int_equal(n, 2);
	free(vfs);
	nlmsg_free(m);
	m = kernel_reply(1u << 30);
	h = nlmsg_hdr(m);
	assert_int_equal(rtnl_vf_parse(h, h->nlmsg_len, &vfs, &n), -EBADMSG);
	nlmsg_free(m);

	/* No VF list at all (a device without SR-IOV): zero VFs. */
	m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	{
		struct ifinfomsg ifi = { .ifi_index = 1 };

		nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
		nla_put_string(m, IFLA_IFNAME, "lo");
	}
	h = nlmsg_hdr(m);
	assert_int_equal(rtnl_vf_parse(h, h->nlmsg_len, &vfs, &n), 0);
	assert_int_equal(n, 0);
	free(vfs);
	nlmsg_free(m);
}

static void test_strings(void **state)
{
	uint32_t s;

	assert_string_equal(vf_attr_to_string(VF_ATTR_MIN_RATE), "min-rate");
	assert_null(vf_attr_to_string(_VF_ATTR_MAX));
	assert_int_equal(vf_link_state_from_string("disable", &s), 0);
	assert_int_equal(s, VF_LINK_STATE_DISABLE);
	assert_int_equal(vf_link_state_from_string("Disable", &s), -EINVAL);
	assert_int_equal(vf_link_state_from_string("", &s), -EINVAL);
	assert_string_equal(vf_link_state_to_string(VF_LINK_STATE_AUTO), "auto");
	assert_null(vf_link_state_to_string(3));
}

static void test_satisfied(void **state)
{
	VfConfig have = { .mask = VF_ATTR_ALL & ~VF_ATTR_BIT(VF_ATTR_TRUST), .vlan = 5, .spoofchk = true };
	VfConfig want = { .mask = VF_ATTR_BIT(VF_ATTR_VLAN), .vlan = 5 };

	assert_true(vf_config_satisfied(&want, &have));
	want.qos = 1;
	assert_false(vf_config_satisfied(&want, &have));
	/* Unknown in have is never "already so". */
	want = (VfConfig){ .mask = VF_ATTR_BIT(VF_ATTR_TRUST) };
	assert_false(vf_config_satisfied(&want, &have));
}

/* The running kernel: loopback in a fresh network namespace has no VF
 * ndo's, so every attribute is refused with EOPNOTSUPP, one by one. */
static void test_kernel(void **state)
{
	_cleanup_rtnl_ Rtnl *r = NULL;
	VfConfig want = { .index = 0, .mask = VF_ATTR_ALL, .vlan = 10, .max_rate = 100, .min_rate = 10 };
	int errors[_VF_ATTR_MAX];
	VfConfig *vfs = NULL;
	size_t n = 99;
	bool changed, up;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		skip();
	memcpy(want.mac, mac0, 6);
	assert_int_equal(rtnl_open(&r), 0);
	assert_int_equal(rtnl_vf_read(r, "lo", &vfs, &n), 0);
	assert_int_equal(n, 0);
	free(vfs);
	assert_int_equal(rtnl_vf_read(r, "nosuchdev0", &vfs, &n), -ENODEV);

	assert_int_equal(rtnl_link_is_up(r, "lo", &up), 0);
	assert_false(up);
	assert_int_equal(rtnl_link_set_up(r, "lo", &changed), 0);
	assert_true(changed);
	assert_int_equal(rtnl_link_is_up(r, "lo", &up), 0);
	assert_true(up);
	assert_int_equal(rtnl_link_set_up(r, "lo", &changed), 0);
	assert_false(changed);

	assert_int_equal(rtnl_vf_apply(r, "lo", &want, 1, errors), _VF_ATTR_MAX);
	for (int a = 0; a < _VF_ATTR_MAX; a++)
		assert_int_equal(errors[a], -EOPNOTSUPP);
	want.mask = VF_ATTR_BIT(VF_ATTR_MAX_RATE);
	assert_int_equal(rtnl_vf_apply(r, "lo", &want, 1, errors), 1);
	assert_int_equal(errors[VF_ATTR_MAX_RATE], -EOPNOTSUPP);
	assert_int_equal(errors[VF_ATTR_MAC], 0);
	assert_int_equal(rtnl_vf_apply(r, "nosuchdev0", &want, 1, errors), -ENODEV);
	{
		uint32_t sent = 0;

		/* lo reports no VF 0, so nothing "already holds": all is sent. */
		want.mask = VF_ATTR_ALL;
		assert_int_equal(rtnl_vf_apply_changes(r, "lo", &want, 1, errors, &sent), _VF_ATTR_MAX);
		assert_int_equal(sent, VF_ATTR_ALL);
		assert_int_equal(errors[VF_ATTR_TRUST], -EOPNOTSUPP);
		assert_int_equal(rtnl_vf_apply_changes(r, "nosuchdev0", &want, 1, errors, &sent), -ENODEV);
	}
	/* The socket survives refusals and keeps serving. */
	assert_int_equal(rtnl_vf_read(r, "lo", &vfs, &n), 0);
	free(vfs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_odd),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_satisfied),
		cmocka_unit_test(test_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
