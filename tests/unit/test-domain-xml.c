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

#include "model/domain-xml.h"

static char *slurp(const char *name, size_t *ret_size)
{
	const char *dir = getenv("KVMNET_FIXTURES");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/domain-xml/%s", dir, name);
	f = fopen(path, "re");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*ret_size = (size_t)n;
	return buf;
}

static DomainDef *parse_fixture(const char *name)
{
	DomainDef *d = NULL;
	char *err = NULL;
	size_t n;
	char *xml = slurp(name, &n);

	if (domain_xml_parse(xml, n, &d, &err) < 0)
		fail_msg("%s: %s", name, err ? err : "(no message)");
	free(xml);
	return d;
}

static int parse_str(const char *xml, DomainDef **ret, char **err)
{
	return domain_xml_parse(xml, strlen(xml), ret, err);
}

static void assert_cpus(const CpuSet *s, const char *want)
{
	char *got = NULL;

	assert_int_equal(cpuset_format_list(s, &got), 0);
	assert_string_equal(got, want);
	free(got);
}

static void assert_pci(const PciAddr *a, const char *want)
{
	char buf[PCI_ADDR_STRLEN];

	assert_string_equal(pci_addr_format(a, buf), want);
}

static void test_debian_live(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse_fixture("debian12-live.xml");
	const DomainIface *i;

	assert_string_equal(d->name, "web01");
	assert_string_equal(d->uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	assert_int_equal(d->balloon, DOMAIN_BALLOON_VIRTIO);
	assert_int_equal(d->balloon_period, 0);
	assert_string_equal(d->virt_type, "kvm");
	assert_int_equal(d->id, 7);
	assert_int_equal(d->vcpus, 6);
	assert_int_equal(d->vcpus_current, 4);
	assert_string_equal(d->os_id, "http://debian.org/debian/12");

	assert_int_equal(d->n_vcpupins, 4);
	assert_int_equal(d->vcpupins[1].vcpu, 1);
	assert_cpus(&d->vcpupins[1].cpus, "3");
	assert_cpus(&d->vcpupins[2].cpus, "4,6-7");
	assert_true(d->has_emulatorpin);
	assert_cpus(&d->emulatorpin, "0-1");

	assert_int_equal(d->n_disks, 3);
	assert_string_equal(d->disks[0].source, "/var/lib/libvirt/images/web01.qcow2");
	assert_string_equal(d->disks[0].target, "vda");
	assert_string_equal(d->disks[0].bus, "virtio");
	assert_string_equal(d->disks[1].type, "block");
	assert_string_equal(d->disks[1].source, "/dev/vg0/web01-data");
	assert_string_equal(d->disks[2].device, "cdrom");
	assert_null(d->disks[2].source);

	assert_int_equal(d->n_ifaces, 1);
	i = &d->ifaces[0];
	assert_int_equal(i->type, DOMAIN_IFACE_NETWORK);
	assert_string_equal(i->mac, "52:54:00:6b:3c:58");
	assert_string_equal(i->model, "virtio");
	assert_string_equal(i->driver_name, "vhost");
	assert_int_equal(i->queues, 4);
	assert_string_equal(i->source_network, "default");
	assert_string_equal(i->source_bridge, "virbr0");
	assert_string_equal(i->target_dev, "vnet3");
	assert_string_equal(i->alias, "net0");
	assert_int_equal(i->teaming, DOMAIN_TEAMING_NONE);
	/* The guest-side <address> of a virtio NIC is not a host PCI source. */
	assert_false(i->has_pci_source);
	assert_null(domain_iface_pci(i));
	assert_int_equal(i->n_vlan_tags, 0);
	assert_int_equal(d->n_hostdevs, 0);
	/* The spice channel after it does not count. */
	assert_int_equal(d->guest_agent, DOMAIN_AGENT_CONNECTED);
}

static void test_failover_live(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse_fixture("failover-live.xml");
	const DomainIface *v, *vf;

	assert_string_equal(d->name, "db02");
	/* libosinfo found by namespace URI whatever the prefix; the other
	 * namespace's <os id> is not taken. */
	assert_string_equal(d->os_id, "http://redhat.com/rhel/9.2");
	assert_int_equal(d->vcpus, 16);
	assert_int_equal(d->vcpus_current, 16);
	assert_int_equal(d->n_vcpupins, 0);
	assert_false(d->has_emulatorpin);
	assert_string_equal(d->disks[0].source, "pool/db02-root");

	assert_int_equal(d->n_ifaces, 3);
	v = &d->ifaces[0];
	assert_int_equal(v->type, DOMAIN_IFACE_BRIDGE);
	assert_string_equal(v->source_bridge, "br-prod");
	assert_int_equal(v->queues, 8);
	assert_int_equal(v->teaming, DOMAIN_TEAMING_PERSISTENT);
	assert_null(v->teaming_persistent);
	assert_string_equal(v->alias, "ua-backup0");

	vf = &d->ifaces[1];
	assert_int_equal(vf->type, DOMAIN_IFACE_HOSTDEV);
	assert_true(vf->managed);
	assert_string_equal(vf->driver_name, "vfio");
	assert_non_null(domain_iface_pci(vf));
	assert_pci(&vf->pci_source, "0000:3b:10.3");
	assert_int_equal(vf->teaming, DOMAIN_TEAMING_TRANSIENT);
	assert_string_equal(vf->teaming_persistent, "ua-backup0");
	assert_string_equal(vf->mac, v->mac);
	assert_int_equal(vf->n_vlan_tags, 1);
	assert_int_equal(vf->vlan_tags[0], 42);
	assert_false(vf->vlan_trunk);

	assert_pci(&d->ifaces[2].pci_source, "0001:af:02.7");
	assert_int_equal(d->n_hostdevs, 1);
	assert_pci(&d->hostdevs[0].addr, "0000:5e:00.1");
	assert_string_equal(d->hostdevs[0].alias, "hostdev2");
	assert_true(d->hostdevs[0].managed);
	assert_int_equal(d->guest_agent, DOMAIN_AGENT_DISCONNECTED);
}

static void test_win_macvtap(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse_fixture("win-macvtap.xml");
	const DomainIface *m;

	assert_int_equal(d->id, -1);
	assert_string_equal(d->os_id, "http://microsoft.com/win/2k19");
	assert_int_equal(d->vcpus, 2);
	assert_string_equal(d->disks[0].source, "default/win2019.qcow2");
	assert_int_equal(d->n_ifaces, 3);
	m = &d->ifaces[0];
	assert_int_equal(m->type, DOMAIN_IFACE_DIRECT);
	assert_string_equal(m->source_dev, "enp5s0f1");
	assert_string_equal(m->source_mode, "vepa");
	assert_string_equal(m->model, "e1000e");
	assert_null(m->driver_name);
	assert_int_equal(m->queues, 0);
	assert_true(m->vlan_trunk);
	assert_int_equal(m->n_vlan_tags, 2);
	assert_int_equal(m->vlan_tags[1], 200);
	assert_int_equal(d->ifaces[1].type, DOMAIN_IFACE_USER);
	assert_string_equal(d->ifaces[1].model, "rtl8139");
	assert_int_equal(d->ifaces[2].type, DOMAIN_IFACE_VHOSTUSER);
	/* A USB hostdev holds no PCI function. */
	assert_int_equal(d->n_hostdevs, 0);
}

static void test_minimal(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse_fixture("minimal.xml");

	assert_string_equal(d->name, "tiny");
	assert_null(d->uuid);
	assert_null(d->os_id);
	assert_int_equal(d->vcpus, 1);
	assert_int_equal(d->vcpus_current, 1);
	assert_int_equal(d->n_ifaces + d->n_disks + d->n_hostdevs + d->n_vcpupins, 0);
	assert_int_equal(d->guest_agent, DOMAIN_AGENT_NONE);
}

/* <memballoon>: the model kvmnet's balloon needs, and its stats period. */
static void test_memballoon(void **state)
{
	static const struct {
		const char *devices;
		DomainBalloon want;
		unsigned period;
	} cases[] = {
		{ "", DOMAIN_BALLOON_ABSENT, 0 },
		{ "<memballoon model='none'/>", DOMAIN_BALLOON_NONE, 0 },
		{ "<memballoon model='virtio'><stats period='5'/></memballoon>", DOMAIN_BALLOON_VIRTIO, 5 },
		{ "<memballoon model='virtio-non-transitional'/>", DOMAIN_BALLOON_VIRTIO, 0 },
		{ "<memballoon model='xen'/>", DOMAIN_BALLOON_OTHER, 0 },
		{ "<memballoon model='virtio'><stats period='x'/></memballoon>", DOMAIN_BALLOON_VIRTIO, 0 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char xml[512];
		DomainDef *d = NULL;

		snprintf(xml, sizeof(xml), "<domain><name>a</name><devices>%s</devices></domain>", cases[k].devices);
		assert_int_equal(parse_str(xml, &d, NULL), 0);
		assert_int_equal(d->balloon, cases[k].want);
		assert_int_equal(d->balloon_period, cases[k].period);
		domain_def_free(d);
	}
}

/* The agent's channel as `virsh edit` shows it (inactive: no state), and
 * channels that are not the agent's. */
static void test_guest_agent_channel(void **state)
{
	static const struct {
		const char *devices;
		DomainAgent want;
	} cases[] = {
		{ "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
		  DOMAIN_AGENT_CHANNEL },
		{ "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel>",
		  DOMAIN_AGENT_CONNECTED },
		{ "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='x'/></channel>",
		  DOMAIN_AGENT_DISCONNECTED },
		{ "<channel type='unix'><target type='virtio' name='org.libguestfs.channel.0'/></channel>",
		  DOMAIN_AGENT_NONE },
		{ "<channel type='unix'><target type='guestfwd' name='org.qemu.guest_agent.0'/></channel>",
		  DOMAIN_AGENT_NONE },
		{ "<channel type='unix'/>", DOMAIN_AGENT_NONE },
		{ "<console type='pty'><target type='virtio' name='org.qemu.guest_agent.0'/></console>",
		  DOMAIN_AGENT_NONE },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char xml[512];
		DomainDef *d = NULL;

		snprintf(xml, sizeof(xml), "<domain><name>a</name><devices>%s</devices></domain>", cases[k].devices);
		assert_int_equal(parse_str(xml, &d, NULL), 0);
		assert_int_equal(d->guest_agent, cases[k].want);
		domain_def_free(d);
	}
}

static void test_iface_types(void **state)
{
	assert_int_equal(domain_iface_type_from_string("direct"), DOMAIN_IFACE_DIRECT);
	assert_int_equal(domain_iface_type_from_string("mcast"), DOMAIN_IFACE_OTHER);
	assert_int_equal(domain_iface_type_from_string(NULL), DOMAIN_IFACE_OTHER);
	assert_string_equal(domain_iface_type_to_string(DOMAIN_IFACE_HOSTDEV), "hostdev");
	assert_null(domain_iface_type_to_string(_DOMAIN_IFACE_TYPE_MAX));
	assert_string_equal(domain_teaming_to_string(DOMAIN_TEAMING_TRANSIENT), "transient");
}

static void test_unknown_iface_type_kept(void **state)
{
	_cleanup_domain_def_ DomainDef *d = NULL;

	assert_int_equal(parse_str("<domain><name>a</name><devices><interface type='mcast'>"
				   "<source address='230.0.0.1' port='5558'/></interface></devices></domain>",
				   &d, NULL),
			 0);
	assert_int_equal(d->ifaces[0].type, DOMAIN_IFACE_OTHER);
	assert_string_equal(d->ifaces[0].type_name, "mcast");
}

static void test_cpuset(void **state)
{
	CpuSet s;

	assert_int_equal(libvirt_cpuset_parse("0-3,^2", &s), 0);
	assert_cpus(&s, "0-1,3");
	assert_int_equal(libvirt_cpuset_parse(" 1 , 5-6 ", &s), 0);
	assert_cpus(&s, "1,5-6");
	/* In order, as libvirt does: a later range puts back an excluded CPU. */
	assert_int_equal(libvirt_cpuset_parse("^2,0-3", &s), 0);
	assert_cpus(&s, "0-3");
	assert_int_equal(libvirt_cpuset_parse("", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("^1", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("0,^0", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("1,,2", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("^", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("0-3,^x", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("0-3,^8192", &s), -EINVAL);
	assert_int_equal(libvirt_cpuset_parse("3-1", &s), -EINVAL);
}

/* Each bad document, the errno and a piece of the message expected. */
static const struct {
	const char *xml, *errmsg;
	int r;
} bad[] = {
	{ "", "not well-formed", -EINVAL },
	{ "garbage", "line 1: not well-formed", -EINVAL },
	{ "<domain><name>x</name>", "not well-formed", -EINVAL },
	{ "<network><name>default</name></network>", "not <domain>", -EINVAL },
	{ "<domain/>", "missing <name>", -EINVAL },
	{ "<domain><name></name></domain>", "<name>: empty", -EINVAL },
	{ "<domain><name>a</name><vcpu>four</vcpu></domain>", "<vcpu>four</vcpu>", -EINVAL },
	{ "<domain><name>a</name><vcpu>0</vcpu></domain>", "at least 1", -EINVAL },
	{ "<domain><name>a</name><vcpu current='9'>4</vcpu></domain>", "current='9'", -EINVAL },
	{ "<domain id='x'><name>a</name></domain>", "id='x'", -EINVAL },
	{ "<domain><name>a</name><cputune><vcpupin cpuset='1'/></cputune></domain>", "missing vcpu=", -EINVAL },
	{ "<domain><name>a</name><cputune><vcpupin vcpu='0'/></cputune></domain>", "missing cpuset=", -EINVAL },
	{ "<domain><name>a</name>\n<cputune>\n<vcpupin vcpu='0' cpuset='1-'/></cputune></domain>",
	  "line 3: <vcpupin cpuset='1-'>", -EINVAL },
	{ "<domain><name>a</name><cputune><emulatorpin cpuset='z'/></cputune></domain>", "emulatorpin", -EINVAL },
	{ "<domain><name>a</name><devices><interface/></devices></domain>", "missing type=", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='hostdev'/></devices></domain>", "missing <source>", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='hostdev'><source><address type='pci' bus='0x3'"
	  " slot='0x20' function='0'/></source></interface></devices></domain>",
	  "slot='0x20'", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='hostdev'><source><address type='pci' bus='0x3'"
	  " function='0'/></source></interface></devices></domain>",
	  "missing slot=", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='bridge'><driver queues='-1'/></interface></devices></domain>",
	  "queues='-1'", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='bridge'><teaming type='both'/></interface></devices></domain>",
	  "teaming type='both'", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='bridge'><vlan><tag id='4096'/></vlan></interface></devices></domain>",
	  "id='4096'", -EINVAL },
	{ "<domain><name>a</name><devices><interface type='bridge'><vlan><tag/></vlan></interface></devices></domain>",
	  "<tag>: missing id=", -EINVAL },
	{ "<domain><name>a</name><devices><hostdev mode='subsystem' type='pci'><source/></hostdev></devices></domain>",
	  "missing <source><address>", -EINVAL },
	{ "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY a 'aaaa'>]><domain><name>&a;</name></domain>",
	  "DOCTYPE", -EINVAL },
};

static void test_bad(void **state)
{
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		DomainDef *d = NULL;
		char *err = NULL;
		int r = parse_str(bad[k].xml, &d, &err);

		if (r != bad[k].r || !err || !strstr(err, bad[k].errmsg))
			fail_msg("case %zu: r=%d err='%s', want %d '%s'", k, r, err ? err : "(null)", bad[k].r,
				 bad[k].errmsg);
		assert_null(d);
		free(err);
		/* ret_error may be NULL. */
		assert_int_equal(parse_str(bad[k].xml, &d, NULL), bad[k].r);
	}
}

/* Every prefix of a real document: fails cleanly or parses, never crashes
 * and never leaks (the ASan build checks the second). */
static void test_truncated(void **state)
{
	size_t n;
	char *xml = slurp("failover-live.xml", &n);
	size_t ok = 0;

	for (size_t len = 0; len < n; len++) {
		DomainDef *d = NULL;
		char *err = NULL;

		if (domain_xml_parse(xml, len, &d, &err) == 0) {
			ok++;
			domain_def_free(d);
		} else
			assert_non_null(err);
		free(err);
	}
	/* Only the whole document (bar its final newline) is complete. */
	assert_int_equal(ok, 1);
	free(xml);
}

static void test_huge(void **state)
{
	size_t n = DOMAIN_XML_MAX + 1;
	char *xml = malloc(n);
	DomainDef *d = NULL;

	assert_non_null(xml);
	memset(xml, ' ', n);
	assert_int_equal(domain_xml_parse(xml, n, &d, NULL), -EFBIG);
	free(xml);
}

/* Below the size limit but over the element limit: refused by count. */
static void test_many_interfaces(void **state)
{
	const char *head = "<domain><name>a</name><devices>", *tail = "</devices></domain>";
	const char *one = "<interface type='user'/>";
	size_t count = 5000, len = strlen(head) + count * strlen(one) + strlen(tail);
	char *xml = malloc(len + 1), *p = xml;
	DomainDef *d = NULL;
	char *err = NULL;

	p = stpcpy(p, head);
	for (size_t k = 0; k < count; k++)
		p = stpcpy(p, one);
	strcpy(p, tail);
	assert_int_equal(domain_xml_parse(xml, len, &d, &err), -EINVAL);
	assert_non_null(strstr(err, "more than 4096 interfaces"));
	free(err);
	free(xml);
}

static void test_free_null(void **state)
{
	domain_def_free(NULL);
}

/* manage=: absent or "yes" managed, "no" opted out, anything else
 * (case too) unknown. */
static void test_manage_value(void **state)
{
	assert_int_equal(kvmnet_manage_value(NULL), 1);
	assert_int_equal(kvmnet_manage_value("yes"), 1);
	assert_int_equal(kvmnet_manage_value("no"), 0);
	assert_int_equal(kvmnet_manage_value("Yes"), -EBADMSG);
	assert_int_equal(kvmnet_manage_value(""), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memballoon),
		cmocka_unit_test(test_debian_live),
		cmocka_unit_test(test_failover_live),
		cmocka_unit_test(test_win_macvtap),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_guest_agent_channel),
		cmocka_unit_test(test_iface_types),
		cmocka_unit_test(test_unknown_iface_type_kept),
		cmocka_unit_test(test_cpuset),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_many_interfaces),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_manage_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
