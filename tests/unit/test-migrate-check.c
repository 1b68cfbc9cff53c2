/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* core/migrate-check: what kvmnetctl vm migrate hands back (M1), what
 * refuses (M2, M3), and what the refusal tells the operator. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/migrate-check.h"
#include "fixture.h"
#include "model/domain-xml.h"

static DomainDef *parse(const char *xml)
{
	DomainDef *d = NULL;
	char *err = NULL;

	if (domain_xml_parse(xml, strlen(xml), &d, &err) < 0)
		fail_msg("%s\n%s", err, xml);
	return d;
}

static DomainDef *parse_fixture(const char *name)
{
	char *xml = fixture_read(name);
	DomainDef *d = parse(xml);

	free(xml);
	return d;
}

/* M1: the lab's teamed guest, as libvirt 9.0 showed it: its VF is handed
 * back before the migration. */
static void test_teamed_handed_back(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse_fixture("domain-xml/migrate-in.xml");
	MigrateCheck c;

	assert_int_equal(migrate_check(d, &c), 0);
	assert_int_equal(c.n_teamed, 1);
	assert_int_equal(c.n_unteamed, 0);
	assert_string_equal(c.vfs, "0000:01:10.0 (MAC 52:54:01:19:bc:d6, teamed)");
	assert_true(c.other_nic);
	assert_false(c.virtio_nic); /* its virtio NIC is teamed already */
	assert_false(migrate_refused(&c));
	migrate_check_done(&c);
}

#define DOM(devs) "<domain><name>web1</name><devices>" devs "</devices></domain>"
#define VF(mac, slot, team) "<interface type='hostdev'><mac address='" mac "'/><source><address type='pci' " \
	"domain='0x0000' bus='0x03' slot='" slot "' function='0x2'/></source>" team "</interface>"
#define VIRTIO "<interface type='bridge'><mac address='52:54:00:00:00:09'/><source bridge='br0'/>" \
	"<model type='virtio'/></interface>"

/* M1: an unteamed VF beside a virtio NIC is handed back too. */
static void test_unteamed_vf_handed_back(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse(DOM(VIRTIO VF("52:54:00:00:00:01", "0x10", "")));
	MigrateCheck c;

	assert_int_equal(migrate_check(d, &c), 0);
	assert_int_equal(c.n_unteamed, 1);
	assert_string_equal(c.vfs, "0000:03:10.2 (MAC 52:54:00:00:00:01)");
	assert_true(c.virtio_nic);
	assert_false(migrate_refused(&c));
	migrate_check_done(&c);
}

/* M3: the VF is its only NIC: refused, saying so and what to do. */
static void test_only_nic(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse(DOM(VF("52:54:00:00:00:01", "0x10", "")));
	MigrateCheck c;
	char *why = NULL;

	assert_int_equal(migrate_check(d, &c), 0);
	assert_false(c.other_nic);
	assert_true(migrate_refused(&c));
	assert_int_equal(migrate_refusal(d, &c, &why), 0);
	assert_string_equal(why, "web1 has no NIC but its VF 0000:03:10.2 (MAC 52:54:00:00:00:01): handed back for "
				 "the migration, it would leave the guest without network.  Add a virtio NIC and team "
				 "it (kvmnetctl vm team) first.\nNothing was changed.");
	free(why);
	migrate_check_done(&c);
}

/* M2: a PCI <hostdev> blocks, whatever else the domain holds. */
static void test_foreign_hostdev(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse(
		DOM("<interface type='bridge'><mac address='52:54:00:00:00:01'/><model type='virtio'/>"
		    "<teaming type='persistent'/><alias name='ua-b'/></interface>"
		    VF("52:54:00:00:00:01", "0x11", "<teaming type='transient' persistent='ua-b'/>")
		    "<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x5e' slot='0x00' "
		    "function='0x1'/></source></hostdev>"));
	MigrateCheck c;
	char *why = NULL;

	assert_int_equal(migrate_check(d, &c), 0);
	assert_int_equal(c.n_teamed, 1);
	assert_int_equal(c.n_foreign, 1);
	assert_string_equal(c.foreign, "0000:5e:00.1");
	assert_true(migrate_refused(&c));
	assert_int_equal(migrate_refusal(d, &c, &why), 0);
	assert_non_null(strstr(why, "web1 holds the PCI <hostdev> 0000:5e:00.1"));
	assert_non_null(strstr(why, "virsh detach-device web1"));
	assert_non_null(strstr(why, "Nothing was changed."));
	free(why);
	migrate_check_done(&c);
}

/* Nothing assigned: nothing to hand back, nothing blocks. */
static void test_no_vf(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse(DOM(VIRTIO));
	MigrateCheck c;

	assert_int_equal(migrate_check(d, &c), 0);
	assert_int_equal(c.n_teamed + c.n_unteamed + c.n_foreign, 0);
	assert_null(c.vfs);
	assert_false(migrate_refused(&c));
	migrate_check_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teamed_handed_back),
		cmocka_unit_test(test_unteamed_vf_handed_back),
		cmocka_unit_test(test_only_nic),
		cmocka_unit_test(test_foreign_hostdev),
		cmocka_unit_test(test_no_vf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
