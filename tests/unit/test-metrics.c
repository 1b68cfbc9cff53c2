/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetd's metrics: the exposition text (escaping, histograms, names the
 * format refuses), the snapshot of the loop formatted and copied, the
 * [metrics] listen address, and IFLA_VF_STATS parsed from a reply laid
 * out as the kernel's rtnl_fill_vfinfo() lays it out, then read from the
 * running kernel for lo (no VFs) and a name that does not exist.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "basic/inet-addr.h"
#include "core/metrics.h"
#include "host/rtnl-vf-stats.h"
#include "model/prom-text.h"

static char *finish(PromText *t)
{
	char *s = NULL;
	size_t n = 0;

	assert_int_equal(prom_text_finish(t, &s, &n), 0);
	assert_int_equal(strlen(s), n);
	return s;
}

static void test_text(void **state)
{
	PromLabel l[] = { { "domain", "we\"b\\1\nx" }, { "bad", "a\xff" "b" } };
	PromText t;
	char *s;

	prom_text_init(&t);
	prom_text_family(&t, "kvmnet_x", PROM_GAUGE, "Help with \\ and\nnewline");
	prom_text_sample(&t, l, 2, 0.1);
	prom_text_sample(&t, NULL, 0, 1.0 / 0.0);
	prom_text_family(&t, "kvmnet_y_total", PROM_COUNTER, "Big");
	prom_text_sample_u64(&t, NULL, 0, UINT64_MAX);
	s = finish(&t);
	assert_string_equal(s, "# HELP kvmnet_x Help with \\\\ and\\nnewline\n"
			       "# TYPE kvmnet_x gauge\n"
			       "kvmnet_x{domain=\"we\\\"b\\\\1\\nx\",bad=\"a\xef\xbf\xbd" "b\"} 0.1\n"
			       "kvmnet_x +Inf\n"
			       "# HELP kvmnet_y_total Big\n"
			       "# TYPE kvmnet_y_total counter\n"
			       "kvmnet_y_total 18446744073709551615\n");
	free(s);
}

static void test_histogram(void **state)
{
	static const double b[] = { 0.5, 1 };
	PromHistogram h = { .bounds = b, .n_bounds = 2 };
	PromText t;
	char *s;

	prom_histogram_observe(&h, 0.5);
	prom_histogram_observe(&h, 0.7);
	prom_histogram_observe(&h, 3);
	prom_text_init(&t);
	prom_text_family(&t, "kvmnet_h_seconds", PROM_HISTOGRAM, "H");
	prom_text_histogram(&t, &(PromLabel){ "a", "b" }, 1, &h);
	s = finish(&t);
	assert_string_equal(s, "# HELP kvmnet_h_seconds H\n# TYPE kvmnet_h_seconds histogram\n"
			       "kvmnet_h_seconds_bucket{a=\"b\",le=\"0.5\"} 1\n"
			       "kvmnet_h_seconds_bucket{a=\"b\",le=\"1\"} 2\n"
			       "kvmnet_h_seconds_bucket{a=\"b\",le=\"+Inf\"} 3\n"
			       "kvmnet_h_seconds_sum{a=\"b\"} 4.2\n"
			       "kvmnet_h_seconds_count{a=\"b\"} 3\n");
	free(s);
}

static void test_bad_names(void **state)
{
	PromText t;
	char *s = NULL;
	size_t n;

	prom_text_init(&t);
	prom_text_family(&t, "1abc", PROM_GAUGE, "x");
	assert_int_equal(prom_text_finish(&t, &s, &n), -EINVAL);
	prom_text_init(&t);
	prom_text_sample(&t, NULL, 0, 1); /* no family */
	assert_int_equal(prom_text_finish(&t, &s, &n), -EINVAL);
	prom_text_init(&t);
	prom_text_family(&t, "ok", PROM_GAUGE, "x");
	prom_text_sample(&t, &(PromLabel){ "__reserved", "v" }, 1, 1);
	assert_int_equal(prom_text_finish(&t, &s, &n), -EINVAL);
	prom_text_init(&t);
	prom_text_family(&t, "ok", PROM_GAUGE, "x");
	prom_text_histogram(&t, NULL, 0, &(PromHistogram){ 0 }); /* not a histogram family */
	assert_int_equal(prom_text_finish(&t, &s, &n), -EINVAL);
	assert_null(s);
	assert_true(prom_metric_name_valid("kvmnet:rule_x"));
	assert_false(prom_label_name_valid("a:b"));
}

static MetricsSnapshot *sample_snapshot(void)
{
	static MetricsPf pf = { .name = "enp1s0", .addr = "0000:01:00.0", .netdev = "enp1s0", .totalvfs = 7,
				.numvfs = 3, .numvfs_wanted = 3, .split_by_kvmnet = true, .vfs = { 1, 1, 0, 1 } };
	static MetricsVf vfs[] = {
		{ .pf = 0, .index = 0, .addr = "0000:01:10.0", .domain = "web\"1", .holder = METRICS_HOLDER_KVMNET },
		{ .pf = 0, .index = 1, .addr = "0000:01:10.2", .holder = METRICS_HOLDER_HOST },
		{ .pf = 0, .index = 2, .addr = "0000:01:10.4", .holder = METRICS_HOLDER_FREE },
	};
	static MetricsSnapshot s;
	MetricsSnapshot *c = NULL;

	metrics_snapshot_init(&s);
	s.version = "9.9";
	s.split = METRICS_SPLIT_ACTIVE;
	s.threshold = 2;
	s.vfs_per_vm = 1;
	s.m1 = 2;
	s.n1 = 2;
	s.spare = 1;
	s.pfs = &pf;
	s.n_pfs = 1;
	s.vfs = vfs;
	s.n_vfs = 3;
	s.waiting[PLAN_WAIT_PF_BUSY] = 1;
	s.applied[PLAN_ATTACH] = 5;
	s.failed[PLAN_DETACH] = 1;
	s.irq_moves[IRQ_MOVE_BUSY] = 2;
	prom_histogram_observe(&s.turn_seconds, 0.02);
	/* The copy the server publishes: nothing shared with the original. */
	assert_int_equal(metrics_snapshot_dup(&s, &c), 0);
	assert_ptr_not_equal(c->pfs, s.pfs);
	assert_ptr_not_equal(c->vfs[0].domain, s.vfs[0].domain);
	assert_null(c->vfs[1].domain);
	return c;
}

static void test_format(void **state)
{
	MetricsSnapshot *s = sample_snapshot();
	VfStats traffic[3] = { { .index = 0, .mask = 1u << VF_STAT_RX_BYTES, .v[VF_STAT_RX_BYTES] = 1234 } };
	char *text;
	size_t n;

	assert_int_equal(metrics_format(s, traffic, &text, &n), 0);
	assert_non_null(strstr(text, "kvmnet_build_info{version=\"9.9\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_split_state{state=\"active\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_split_state{state=\"unknown\"} 0\n"));
	assert_non_null(strstr(text, "kvmnet_managed_vms 2\n"));
	assert_non_null(strstr(text, "kvmnet_wanted_vfs 2\n"));
	assert_non_null(strstr(text, "kvmnet_waiting_vms{reason=\"pf-busy\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_pf_vfs{pf=\"enp1s0\",address=\"0000:01:00.0\",holder=\"host\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_vf_info{pf=\"enp1s0\",vf=\"0\",address=\"0000:01:10.0\","
				     "domain=\"web\\\"1\",holder=\"kvmnet\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_vf_receive_bytes_total{pf=\"enp1s0\",vf=\"0\",address=\"0000:01:10.0\"} "
				     "1234\n"));
	/* Unknown counters are left out, not shown as 0. */
	assert_null(strstr(text, "kvmnet_vf_transmit_bytes_total"));
	assert_null(strstr(text, "vf=\"1\",address=\"0000:01:10.2\"} 0"));
	assert_non_null(strstr(text, "kvmnet_actions_applied_total{action=\"attach\"} 5\n"));
	assert_non_null(strstr(text, "kvmnet_actions_failed_total{action=\"detach\"} 1\n"));
	assert_null(strstr(text, "action=\"wait\""));
	assert_non_null(strstr(text, "kvmnet_irq_moves_total{reason=\"busy\"} 2\n"));
	assert_non_null(strstr(text, "kvmnet_turn_duration_seconds_bucket{le=\"0.025\"} 1\n"));
	free(text);

	/* Unknown split: no M1, N1, PFs or VFs rather than zeros. */
	metrics_snapshot_clear(s);
	s->split = METRICS_SPLIT_UNKNOWN;
	assert_int_equal(metrics_format(s, NULL, &text, &n), 0);
	assert_non_null(strstr(text, "kvmnet_split_state{state=\"unknown\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_threshold_vms 2\n"));
	assert_null(strstr(text, "kvmnet_managed_vms"));
	assert_null(strstr(text, "kvmnet_pf_numvfs"));
	free(text);
	metrics_snapshot_free(s);
}

/* How long the PF's changes took and what it refused: only once there is
 * something to show. */
static void test_format_pf_changes(void **state)
{
	MetricsSnapshot *s = sample_snapshot();
	MetricsPf *p = &s->pfs[0];
	char *text;
	size_t n;

	assert_int_equal(metrics_format(s, NULL, &text, &n), 0);
	assert_null(strstr(text, "kvmnet_pf_numvfs_change_seconds"));
	assert_null(strstr(text, "kvmnet_pf_vfio_bind"));
	assert_null(strstr(text, "kvmnet_pf_numvfs_failed"));
	assert_null(strstr(text, "kvmnet_pf_numvfs_refused"));
	free(text);
	p->numvfs_timed = p->bind_timed = true;
	p->numvfs_change_seconds = 21.5;
	p->vfio_bind_seconds = 0.25;
	p->vfio_bind_max_seconds = 1.5;
	p->numvfs_failed = 64;
	p->numvfs_failed_error = "ENOSPC";
	p->numvfs_failed_next = "fell-back";
	p->numvfs_refused = 64;
	p->numvfs_refused_error = "ENOSPC";
	assert_int_equal(metrics_format(s, NULL, &text, &n), 0);
	assert_non_null(strstr(text, "# TYPE kvmnet_pf_numvfs_change_seconds gauge\n"
				     "kvmnet_pf_numvfs_change_seconds{pf=\"enp1s0\",address=\"0000:01:00.0\"} 21.5\n"));
	assert_non_null(strstr(text, "# TYPE kvmnet_pf_vfio_bind_seconds gauge\n"
				     "kvmnet_pf_vfio_bind_seconds{pf=\"enp1s0\",address=\"0000:01:00.0\"} 0.25\n"));
	assert_non_null(strstr(text, "kvmnet_pf_vfio_bind_max_seconds{pf=\"enp1s0\",address=\"0000:01:00.0\"} 1.5\n"));
	assert_non_null(strstr(text, "kvmnet_pf_numvfs_failed{pf=\"enp1s0\",address=\"0000:01:00.0\",error=\"ENOSPC\","
				     "next=\"fell-back\"} 64\n"));
	assert_non_null(strstr(text, "kvmnet_pf_numvfs_refused{pf=\"enp1s0\",address=\"0000:01:00.0\",error=\"ENOSPC\"} "
				     "64\n"));
	free(text);
	metrics_snapshot_free(s);
}

/* A PF kvmnetd cannot read this turn (here: gone from the bus, so no
 * address): its counts are left out, not shown as 0, and the rest of the
 * page is still served. */
static void test_format_pf_unknown(void **state)
{
	MetricsSnapshot *s = sample_snapshot();
	MetricsPf *p = &s->pfs[0];
	char *text;
	size_t n;

	p->unknown = true;
	free(p->addr);
	p->addr = strdup("");
	assert_non_null(p->addr);
	assert_int_equal(metrics_format(s, NULL, &text, &n), 0);
	assert_null(strstr(text, "kvmnet_pf_numvfs{"));
	assert_null(strstr(text, "kvmnet_pf_totalvfs{"));
	assert_null(strstr(text, "kvmnet_pf_vfs{"));
	assert_non_null(strstr(text, "kvmnet_pf_split_by_kvmnet{pf=\"enp1s0\",address=\"\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_split_state{state=\"active\"} 1\n"));
	free(text);
	metrics_snapshot_free(s);
}

static void test_listen(void **state)
{
	char buf[INET_ADDR_STRLEN];
	InetAddr a;

	assert_int_equal(inet_addr_parse("127.0.0.1:9469", &a), 0);
	assert_int_equal(a.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(a.in.sin_port), 9469);
	assert_string_equal(inet_addr_format(&a, buf), "127.0.0.1:9469");
	assert_int_equal(inet_addr_parse("[::1]:80", &a), 0);
	assert_int_equal(a.sa.sa_family, AF_INET6);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	assert_string_equal(inet_addr_format(&a, buf), "[::1]:80");
	assert_int_equal(inet_addr_parse("[::]:65535", &a), 0);
	static const char *const bad[] = { "",	       "9469",	      "127.0.0.1",     "127.0.0.1:",  "127.0.0.1:0",
					   "127.0.0.1:65536", "127.1:80", "::1:9469",	   "[::1]9469",   "[::1]:",
					   "localhost:9469",  "[1.2.3.4]:80", "1.2.3.4:+80", "1.2.3.4:080x", " 1.2.3.4:80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.len = 77;
		assert_int_equal(inet_addr_parse(bad[i], &a), -EINVAL);
		assert_int_equal(a.len, 77); /* untouched on failure */
	}
}

static void put_vf(struct nl_msg *m, uint32_t vf, uint64_t base, bool dropped)
{
	struct ifla_vf_mac vm = { .vf = vf };
	struct nlattr *info = nla_nest_start(m, IFLA_VF_INFO), *st;

	nla_put(m, IFLA_VF_MAC, sizeof(vm), &vm);
	st = nla_nest_start(m, IFLA_VF_STATS);
	nla_put_u64(m, IFLA_VF_STATS_RX_PACKETS, base + 1);
	nla_put_u64(m, IFLA_VF_STATS_TX_PACKETS, base + 2);
	nla_put_u64(m, IFLA_VF_STATS_RX_BYTES, base + 3);
	nla_put_u64(m, IFLA_VF_STATS_TX_BYTES, base + 4);
	nla_put_u64(m, IFLA_VF_STATS_BROADCAST, base + 5);
	nla_put_u64(m, IFLA_VF_STATS_MULTICAST, base + 6);
	if (dropped) {
		nla_put_u64(m, IFLA_VF_STATS_RX_DROPPED, base + 7);
		nla_put_u64(m, IFLA_VF_STATS_TX_DROPPED, base + 8);
	}
	nla_nest_end(m, st);
	nla_nest_end(m, info);
}

static void test_vf_stats_parse(void **state)
{
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 3 };
	struct nlattr *list;
	struct nlmsghdr *h;
	VfStats *s = NULL;
	size_t n = 0;

	nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	nla_put_string(m, IFLA_IFNAME, "enp1s0");
	list = nla_nest_start(m, IFLA_VFINFO_LIST);
	put_vf(m, 5, 100, false); /* an older kernel: no dropped counters */
	put_vf(m, 2, 200, true);
	nla_nest_end(m, list);
	h = nlmsg_hdr(m);
	assert_int_equal(rtnl_vf_stats_parse(h, h->nlmsg_len, &s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].index, 2); /* sorted */
	assert_int_equal(s[0].mask, (1u << _VF_STAT_MAX) - 1);
	assert_int_equal(s[0].v[VF_STAT_RX_BYTES], 203);
	assert_int_equal(s[0].v[VF_STAT_TX_DROPPED], 208);
	assert_int_equal(s[1].index, 5);
	assert_false(s[1].mask & (1u << VF_STAT_RX_DROPPED));
	assert_int_equal(s[1].v[VF_STAT_MULTICAST], 106);
	free(s);
	/* Truncated: refused, not read past its end. */
	assert_int_equal(rtnl_vf_stats_parse(h, h->nlmsg_len - 4, &s, &n), -EBADMSG);
	h->nlmsg_len -= 4;
	assert_int_equal(rtnl_vf_stats_parse(h, h->nlmsg_len, &s, &n), -EBADMSG);
	nlmsg_free(m);
}

static void test_vf_stats_kernel(void **state)
{
	Rtnl *r = NULL;
	VfStats *s = NULL;
	size_t n = 99;

	assert_int_equal(rtnl_open(&r), 0);
	assert_int_equal(rtnl_set_timeout(r, 1000), 0);
	assert_int_equal(rtnl_vf_stats_read(r, "lo", &s, &n), 0);
	assert_int_equal(n, 0);
	free(s);
	assert_int_equal(rtnl_vf_stats_read(r, "kvmnet-nosuch0", &s, &n), -ENODEV);
	rtnl_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),	       cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_bad_names),      cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_pf_changes), cmocka_unit_test(test_format_pf_unknown),
		cmocka_unit_test(test_listen),	       cmocka_unit_test(test_vf_stats_parse),
		cmocka_unit_test(test_vf_stats_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
