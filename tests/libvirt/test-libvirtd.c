/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/virt against a real libvirtd (started by run.sh, private to the test)
 * driving QEMU with TCG: a domain with a virtio NIC on a libvirt network,
 * an e1000e on macvtap and a user-mode rtl8139, started paused so that it
 * costs no CPU yet counts as running. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "virt/domains.h"
#include "virt/virt-conn.h"

static const char net_xml[] = "<network><name>kvmnet-test</name><bridge name='kvtbr0' stp='off'/></network>";

/* No disk and no kernel: SeaBIOS would find nothing to boot, but the
 * domain is started paused, so QEMU never runs a guest instruction. */
static const char t1_xml[] =
	"<domain type='qemu'>"
	"<name>kvmnet-t1</name>"
	"<memory unit='MiB'>64</memory>"
	"<vcpu placement='static'>2</vcpu>"
	"<cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/><emulatorpin cpuset='0-1'/></cputune>"
	"<features><acpi/></features>"
	"<os><type arch='x86_64' machine='q35'>hvm</type></os>"
	"<devices>"
	"<interface type='network'><mac address='52:54:00:4b:00:01'/><source network='kvmnet-test'/>"
	"<model type='virtio'/><driver name='qemu' queues='2'/></interface>"
	"<interface type='direct'><mac address='52:54:00:4b:00:02'/><source dev='kvv0' mode='bridge'/>"
	"<model type='e1000e'/></interface>"
	"<interface type='user'><mac address='52:54:00:4b:00:03'/><model type='rtl8139'/></interface>"
	"</devices></domain>";

/* Defined, never started: its VF must not show up as held. */
static const char t2_xml[] =
	"<domain type='qemu'><name>kvmnet-t2</name><memory unit='MiB'>64</memory>"
	"<features><acpi/></features><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
	"<interface type='hostdev' managed='yes'><mac address='52:54:00:4b:00:04'/><source>"
	"<address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x0'/></source></interface>"
	"</devices></domain>";

static virConnectPtr conn;

static int setup(void **state)
{
	const char *uri = getenv("KVMNET_TEST_URI");
	virNetworkPtr net;
	virDomainPtr d;
	char *err = NULL;

	if (!uri) {
		fprintf(stderr, "KVMNET_TEST_URI is not set: run me through tests/libvirt/run.sh\n");
		return -1;
	}
	if (virt_conn_open(uri, 0, &conn, &err) < 0) {
		fprintf(stderr, "%s: %s\n", uri, err);
		return -1;
	}
	net = virNetworkCreateXML(conn, net_xml);
	d = net ? virDomainDefineXML(conn, t1_xml) : NULL;
	if (d && virDomainCreateWithFlags(d, VIR_DOMAIN_START_PAUSED) < 0) {
		virDomainFree(d);
		d = NULL;
	}
	if (d)
		virDomainFree(d);
	d = d ? virDomainDefineXML(conn, t2_xml) : NULL;
	if (!d) {
		virt_error_take(&err);
		fprintf(stderr, "setup: %s\n", err);
		free(err);
		return -1;
	}
	virDomainFree(d);
	if (net)
		virNetworkFree(net);
	return 0;
}

static int teardown(void **state)
{
	virt_conn_close(conn);
	return 0;
}

static const DomainDef *find(const DomainList *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->defs[i]->name, name))
			return l->defs[i];
	return NULL;
}

static void test_running(void **state)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	const DomainDef *d;
	const DomainIface *f;
	char *err = NULL, *pins = NULL;

	if (virt_domains_running(conn, &l, &err) < 0)
		fail_msg("virt_domains_running: %s", err);
	d = find(l, "kvmnet-t1");
	assert_non_null(d);
	assert_null(find(l, "kvmnet-t2"));
	assert_true(d->id > 0);
	assert_string_equal(d->virt_type, "qemu");
	assert_int_equal(d->vcpus, 2);
	assert_int_equal(d->n_vcpupins, 2);
	assert_int_equal(cpuset_format_list(&d->emulatorpin, &pins), 0);
	assert_string_equal(pins, "0-1");
	free(pins);
	assert_non_null(d->uuid);
	assert_int_equal(strlen(d->uuid), 36);

	assert_int_equal(d->n_ifaces, 3);
	f = &d->ifaces[0];
	assert_int_equal(f->type, DOMAIN_IFACE_NETWORK);
	assert_string_equal(f->source_network, "kvmnet-test");
	/* Live XML only: the bridge the network gave, and the tap. */
	assert_string_equal(f->source_bridge, "kvtbr0");
	assert_non_null(f->target_dev);
	assert_true(strneq(f->target_dev, "vnet", 4));
	assert_string_equal(f->model, "virtio");
	assert_string_equal(f->driver_name, "qemu");
	assert_int_equal(f->queues, 2);
	assert_string_equal(f->alias, "net0");

	f = &d->ifaces[1];
	assert_int_equal(f->type, DOMAIN_IFACE_DIRECT);
	assert_string_equal(f->source_dev, "kvv0");
	assert_string_equal(f->source_mode, "bridge");
	assert_true(strneq(f->target_dev, "macvtap", 7));
	assert_string_equal(f->model, "e1000e");

	assert_int_equal(d->ifaces[2].type, DOMAIN_IFACE_USER);
	assert_string_equal(d->ifaces[2].alias, "net2");
}

static void test_holders(void **state)
{
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	PciAddr a = { .bus = 3, .slot = 0x10 };
	char *err = NULL;

	if (virt_pci_holders(conn, &m, &err) < 0)
		fail_msg("virt_pci_holders: %s", err);
	/* kvmnet-t1 holds no PCI function and kvmnet-t2 is not running. */
	assert_int_equal(m->n, 0);
	assert_null(pci_holders_find(m, &a));
}

static void test_get_inactive(void **state)
{
	_cleanup_domain_def_ DomainDef *live = NULL, *conf = NULL;
	char *xml = NULL;

	assert_int_equal(virt_domain_get(conn, "kvmnet-t1", 0, &live, NULL, NULL, NULL), 0);
	assert_int_equal(virt_domain_get(conn, "kvmnet-t1", VIR_DOMAIN_XML_INACTIVE, &conf, &xml, NULL, NULL), 0);
	assert_true(live->id > 0);
	assert_int_equal(conf->id, -1);
	assert_non_null(live->ifaces[0].target_dev);
	assert_null(conf->ifaces[0].target_dev);
	assert_null(conf->ifaces[0].source_bridge);
	assert_non_null(strstr(xml, "kvmnet-test"));
	free(xml);

	_cleanup_domain_def_ DomainDef *t2 = NULL;
	assert_int_equal(virt_domain_get(conn, "kvmnet-t2", 0, &t2, NULL, NULL, NULL), 0);
	assert_int_equal(t2->ifaces[0].type, DOMAIN_IFACE_HOSTDEV);
	assert_int_equal(t2->ifaces[0].pci_source.slot, 0x10);
}

static void test_bad_socket(void **state)
{
	virConnectPtr c = NULL;
	char *err = NULL;

	assert_true(virt_conn_open("qemu+unix:///system?socket=/nonexistent/kvmnet-sock", 0, &c, &err) < 0);
	assert_null(c);
	assert_non_null(strstr(err, "/nonexistent/kvmnet-sock"));
	free(err);
	assert_true(virt_conn_open("qemu+unix:///system?socket=/nonexistent/kvmnet-sock", VIRT_CONN_READ_ONLY, &c,
				   NULL) < 0);
}

static void test_read_only(void **state)
{
	_cleanup_virconn_ virConnectPtr ro = NULL;
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	char uri[512], *err = NULL;

	/* The read-only socket is enough for status. */
	snprintf(uri, sizeof(uri), "qemu+unix:///system?socket=%s/run/libvirt/libvirt-sock-ro",
		 getenv("KVMNET_TEST_DIR"));
	if (virt_conn_open(uri, VIRT_CONN_READ_ONLY, &ro, &err) < 0)
		fail_msg("%s: %s", uri, err);
	assert_int_equal(virt_pci_holders(ro, &m, NULL), 0);
	assert_null(virDomainDefineXML(ro, t2_xml));
	assert_int_equal(virt_error_take(&err), -EACCES);
	free(err);
}

/* Last: a domain that stops leaves the running list. */
static void test_stopped(void **state)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	virDomainPtr d = virDomainLookupByName(conn, "kvmnet-t1");

	assert_non_null(d);
	assert_int_equal(virDomainDestroy(d), 0);
	virDomainFree(d);
	assert_int_equal(virt_domains_running(conn, &l, NULL), 0);
	assert_null(find(l, "kvmnet-t1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_holders),
		cmocka_unit_test(test_get_inactive),
		cmocka_unit_test(test_bad_socket),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_stopped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
