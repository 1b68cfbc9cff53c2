/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/advise.h"

static const HostFacts vhost_host = { .vhost_net = true };
static const HostFacts plain_host = { .vhost_net = false };

static DomainDef *fixture(const char *name)
{
	char path[4096], *buf;
	DomainDef *d = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/domain-xml/%s", getenv("KVMNET_FIXTURES"), name);
	f = fopen(path, "re");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_int_equal(domain_xml_parse(buf, (size_t)n, &d, NULL), 0);
	free(buf);
	return d;
}

/* A domain with vcpus vCPUs, os (NULL: no metadata) and the given
 * <devices> content. */
static DomainDef *domain(unsigned vcpus, const char *os, const char *devices)
{
	char *xml = NULL;
	DomainDef *d = NULL;
	char *err = NULL;

	assert_true(asprintf(&xml,
			     "<domain type='kvm'><name>t</name><vcpu>%u</vcpu>%s%s%s<devices>%s</devices></domain>",
			     vcpus,
			     os ? "<metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/"
				  "domain/1.0'><libosinfo:os id='"
				: "",
			     os ? os : "", os ? "'/></libosinfo:libosinfo></metadata>" : "", devices) > 0);
	if (domain_xml_parse(xml, strlen(xml), &d, &err) < 0)
		fail_msg("%s: %s", xml, err);
	free(xml);
	return d;
}

#define DEBIAN "http://debian.org/debian/12"
#define BRIDGE_VIRTIO "<interface type='bridge'><source bridge='br0'/><model type='virtio'/></interface>"

/* A balloon kvmnet cannot use is named; a virtio one (debian12-live) is not. */
static void test_memballoon_hint(void **state)
{
	static const char *const xml[] = {
		"<domain><name>a</name><devices><memballoon model='none'/></devices></domain>",
		"<domain><name>a</name><devices/></domain>",
	};
	static const char *const want[] = { "model='none'", "No <memballoon>" };

	for (size_t k = 0; k < 2; k++) {
		_cleanup_domain_def_ DomainDef *d = NULL;
		_cleanup_domain_advice_ DomainAdvice *a = NULL;

		assert_int_equal(domain_xml_parse(xml[k], strlen(xml[k]), &d, NULL), 0);
		assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
		assert_non_null(a->hint);
		assert_non_null(strstr(a->hint, want[k]));
	}
}

static void test_debian_tuned(void **state)
{
	_cleanup_domain_def_ DomainDef *d = fixture("debian12-live.xml");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	const IfaceAdvice *i;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
	assert_int_equal(a->n, 1);
	i = &a->ifaces[0];
	/* vhost, 4 queues for 4 current vCPUs: already right. */
	assert_int_equal(i->current, NET_PATH_VIRTIO_VHOST);
	assert_int_equal(i->recommended, NET_PATH_VIRTIO_VHOST);
	assert_false(i->changes);
	assert_int_equal(i->queues, 4);
	assert_string_equal(i->guest_command, "ethtool -L IFACE combined 4");
	assert_non_null(strstr(i->hint, "macvtap"));
	assert_false(i->want_vf);
	assert_null(a->hint);
}

static void test_udp_to_guest(void **state)
{
	_cleanup_domain_def_ DomainDef *d = fixture("debian12-live.xml");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_UDP_TO_GUEST, &a), 0);
	assert_true(a->ifaces[0].changes);
	assert_string_equal(a->ifaces[0].driver_name, "qemu");
	assert_int_equal(a->ifaces[0].recommended, NET_PATH_VIRTIO_QEMU);
	assert_non_null(strstr(a->ifaces[0].reason, "UDP"));
	/* The macvtap hint is for bulk throughput only. */
	assert_null(a->ifaces[0].hint);
}

static void test_no_vhost_net(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(2, DEBIAN, BRIDGE_VIRTIO);
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	/* No <driver name>: libvirt's choice depends on the host. */
	assert_int_equal(net_path_of(&d->ifaces[0], &plain_host), NET_PATH_VIRTIO_QEMU);
	assert_int_equal(net_path_of(&d->ifaces[0], &vhost_host), NET_PATH_VIRTIO_VHOST);
	assert_int_equal(advise_domain(d, &plain_host, WORKLOAD_THROUGHPUT, &a), 0);
	assert_string_equal(a->ifaces[0].driver_name, "qemu");
	assert_non_null(strstr(a->ifaces[0].hint, "modprobe vhost_net"));
	assert_true(a->ifaces[0].changes);
	assert_int_equal(a->ifaces[0].queues, 2);
}

static void test_queues_capped(void **state)
{
	_cleanup_domain_def_ DomainDef *d = fixture("failover-live.xml");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	HostFacts h = { .vhost_net = true, .sriov_known = true, .sriov_vfs = 7, .daemon_gives_vf = true };

	assert_int_equal(d->vcpus, 16);
	assert_int_equal(advise_queues(d), 8);
	assert_int_equal(advise_domain(d, &h, WORKLOAD_THROUGHPUT, &a), 0);
	assert_int_equal(a->n, 3);
	/* The virtio member already has vhost and 8 queues. */
	assert_false(a->ifaces[0].changes);
	assert_string_equal(a->ifaces[0].guest_command, "ethtool -L IFACE combined 8");
	/* The domain already holds VFs: no other one is proposed. */
	assert_false(a->ifaces[0].want_vf);
	assert_int_equal(a->ifaces[1].current, NET_PATH_VF);
	assert_false(a->ifaces[1].changes);
	assert_non_null(strstr(a->ifaces[1].reason, "0000:3b:10.3"));
	assert_non_null(strstr(a->ifaces[1].reason, "failover pair with 'ua-backup0'"));
	assert_null(a->ifaces[1].guest_command);
}

static void test_windows(void **state)
{
	_cleanup_domain_def_ DomainDef *d = fixture("win-macvtap.xml");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
	/* e1000e on macvtap: kept for a guest without virtio drivers. */
	assert_int_equal(a->ifaces[0].current, NET_PATH_EMULATED);
	assert_false(a->ifaces[0].changes);
	assert_non_null(strstr(a->ifaces[0].reason, "virtio-win"));
	assert_null(a->ifaces[0].guest_command);
	assert_int_equal(a->ifaces[1].current, NET_PATH_USER);
	assert_non_null(strstr(a->ifaces[1].hint, "macvtap"));
	assert_false(a->ifaces[1].changes);
	assert_int_equal(a->ifaces[2].current, NET_PATH_OTHER);
	assert_non_null(strstr(a->ifaces[2].reason, "'vhostuser'"));
}

static void test_windows_e1000_to_e1000e(void **state)
{
	_cleanup_domain_def_ DomainDef *d =
		domain(4, "http://microsoft.com/win/10",
		       "<interface type='bridge'><source bridge='br0'/><model type='e1000'/></interface>");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
	assert_true(a->ifaces[0].changes);
	assert_string_equal(a->ifaces[0].model, "e1000e");
	assert_null(a->ifaces[0].driver_name);
	assert_int_equal(a->ifaces[0].queues, 0);
}

static void test_linux_emulated_to_virtio(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(
		12, DEBIAN,
		"<interface type='direct'><source dev='eth0' mode='bridge'/><model type='rtl8139'/></interface>");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
	assert_true(a->ifaces[0].changes);
	assert_string_equal(a->ifaces[0].model, "virtio");
	assert_string_equal(a->ifaces[0].driver_name, "vhost");
	assert_int_equal(a->ifaces[0].queues, 8);
	assert_int_equal(a->ifaces[0].recommended, NET_PATH_VIRTIO_VHOST);
	assert_non_null(strstr(a->ifaces[0].reason, "rtl8139"));
	/* macvtap already: no hint to move to it. */
	assert_null(a->ifaces[0].hint);
}

static void test_unknown_os_not_forced_to_virtio(void **state)
{
	_cleanup_domain_def_ DomainDef *d =
		domain(2, NULL, "<interface type='network'><source network='default'/><model type='rtl8139'/></interface>");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_LATENCY, &a), 0);
	assert_string_equal(a->ifaces[0].model, "e1000e");
	assert_non_null(strstr(a->ifaces[0].reason, "unknown"));
}

static void test_one_vcpu(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(1, DEBIAN,
		"<interface type='bridge'><source bridge='br0'/><model type='virtio'/>"
		"<driver name='vhost' queues='4'/></interface>");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
	/* 4 queues for one vCPU: drop them. */
	assert_true(a->ifaces[0].changes);
	assert_int_equal(a->ifaces[0].queues, 0);
	assert_null(a->ifaces[0].guest_command);
}

static void test_vf_given_once(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(4, DEBIAN, BRIDGE_VIRTIO BRIDGE_VIRTIO);
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	HostFacts h = { .vhost_net = true, .sriov_known = true, .sriov_vfs = 7, .daemon_gives_vf = true };

	assert_int_equal(advise_domain(d, &h, WORKLOAD_THROUGHPUT, &a), 0);
	assert_true(a->ifaces[0].want_vf);
	assert_int_equal(a->ifaces[0].recommended, NET_PATH_VF);
	assert_non_null(strstr(a->ifaces[0].hint, "vm team"));
	assert_false(a->ifaces[1].want_vf);
	assert_int_equal(a->ifaces[1].recommended, NET_PATH_VIRTIO_VHOST);
}

static void test_vf_capacity_not_given(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(4, DEBIAN, BRIDGE_VIRTIO);
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	HostFacts h = { .vhost_net = true, .sriov_known = true, .sriov_pfs = 1, .sriov_vfs = 7, .sriov_free_vfs = 3,
			.daemon_note = "kvmnetd is not running" };

	assert_int_equal(advise_domain(d, &h, WORKLOAD_UDP_TO_GUEST, &a), 0);
	assert_false(a->ifaces[0].want_vf);
	assert_int_equal(a->ifaces[0].recommended, NET_PATH_VIRTIO_QEMU);
	assert_non_null(strstr(a->ifaces[0].hint, "1 SR-IOV PF(s) with up to 7 VFs (3 free now), but kvmnetd gives "
						  "this domain none: kvmnetd is not running."));
}

/* No SR-IOV PF, or not observed: no VF hint at all. */
static void test_vf_no_capacity(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(4, DEBIAN, BRIDGE_VIRTIO);
	_cleanup_domain_advice_ DomainAdvice *a = NULL, *b = NULL;
	HostFacts none = { .vhost_net = true, .sriov_known = true };
	HostFacts unknown = { .vhost_net = true, .sriov_pfs = 2, .sriov_vfs = 14 };

	assert_int_equal(advise_domain(d, &none, WORKLOAD_LATENCY, &a), 0);
	assert_null(a->ifaces[0].hint);
	assert_int_equal(advise_domain(d, &unknown, WORKLOAD_LATENCY, &b), 0);
	assert_null(b->ifaces[0].hint);
}

/* The VF goes with the persistent member of the failover pair, not with
 * the first virtio NIC. */
static void test_vf_on_team(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(4, DEBIAN, BRIDGE_VIRTIO
		"<interface type='bridge'><source bridge='br1'/><model type='virtio'/>"
		"<teaming type='persistent'/><alias name='ua-kvmnet-525400000001'/></interface>");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;
	HostFacts h = { .vhost_net = true, .sriov_known = true, .sriov_pfs = 1, .sriov_vfs = 7, .daemon_gives_vf = true };

	assert_int_equal(advise_domain(d, &h, WORKLOAD_LATENCY, &a), 0);
	assert_false(a->ifaces[0].want_vf);
	assert_null(a->ifaces[0].hint);
	assert_true(a->ifaces[1].want_vf);
	assert_int_equal(a->ifaces[1].recommended, NET_PATH_VF);
	assert_non_null(strstr(a->ifaces[1].hint, "pairs it with this NIC (failover alias 'ua-kvmnet-525400000001')"));
}

static void test_latency_pinning(void **state)
{
	_cleanup_domain_def_ DomainDef *d = domain(2, DEBIAN, BRIDGE_VIRTIO);
	_cleanup_domain_def_ DomainDef *pinned = fixture("debian12-live.xml");
	_cleanup_domain_advice_ DomainAdvice *a = NULL, *b = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_LATENCY, &a), 0);
	assert_non_null(strstr(a->hint, "vcpupin"));
	assert_int_equal(advise_domain(pinned, &vhost_host, WORKLOAD_LATENCY, &b), 0);
	assert_null(b->hint);
}

static void test_no_interfaces(void **state)
{
	_cleanup_domain_def_ DomainDef *d = fixture("minimal.xml");
	_cleanup_domain_advice_ DomainAdvice *a = NULL;

	assert_int_equal(advise_domain(d, &vhost_host, WORKLOAD_THROUGHPUT, &a), 0);
	assert_int_equal(a->n, 0);
	assert_int_equal(advise_domain(d, &vhost_host, _WORKLOAD_MAX, &a), -EINVAL);
}

static void test_names(void **state)
{
	Workload w;

	assert_int_equal(workload_from_string("udp-to-guest", &w), 0);
	assert_int_equal(w, WORKLOAD_UDP_TO_GUEST);
	assert_int_equal(workload_from_string("UDP", &w), -EINVAL);
	assert_int_equal(workload_from_string(NULL, &w), -EINVAL);
	assert_string_equal(workload_to_string(WORKLOAD_LATENCY), "latency");
	assert_null(workload_to_string(_WORKLOAD_MAX));
	assert_string_equal(net_path_to_string(NET_PATH_VIRTIO_VHOST), "virtio-vhost");
	domain_advice_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_tuned),
		cmocka_unit_test(test_memballoon_hint),
		cmocka_unit_test(test_udp_to_guest),
		cmocka_unit_test(test_no_vhost_net),
		cmocka_unit_test(test_queues_capped),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_windows_e1000_to_e1000e),
		cmocka_unit_test(test_linux_emulated_to_virtio),
		cmocka_unit_test(test_unknown_os_not_forced_to_virtio),
		cmocka_unit_test(test_one_vcpu),
		cmocka_unit_test(test_vf_given_once),
		cmocka_unit_test(test_vf_capacity_not_given),
		cmocka_unit_test(test_vf_no_capacity),
		cmocka_unit_test(test_vf_on_team),
		cmocka_unit_test(test_latency_pinning),
		cmocka_unit_test(test_no_interfaces),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
