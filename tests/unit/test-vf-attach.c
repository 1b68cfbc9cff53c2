/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device XML given to libvirt for a VF; compared whole, since libvirt
 * rejects or misreads anything else. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "virt/vf-attach.h"

static void test_full(void **state)
{
	VfInterface vf = {
		.pci_addr = "0000:03:10.2",
		.mac = "52:54:00:12:34:56",
		.vlan = 42,
		.teaming_persistent = "ua-net0",
	};
	char *xml = NULL;

	assert_int_equal(vf_interface_xml(&vf, &xml), 0);
	assert_string_equal(xml,
			    "<interface type='hostdev' managed='yes'>\n"
			    "  <mac address='52:54:00:12:34:56'/>\n"
			    "  <source>\n"
			    "    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/>\n"
			    "  </source>\n"
			    "  <vlan>\n    <tag id='42'/>\n  </vlan>\n"
			    "  <teaming type='transient' persistent='ua-net0'/>\n"
			    "</interface>\n");
	free(xml);
}

static void test_minimal(void **state)
{
	VfInterface vf = { .pci_addr = "3b:02.7" };
	char *xml = NULL;

	assert_int_equal(vf_interface_xml(&vf, &xml), 0);
	assert_string_equal(xml,
			    "<interface type='hostdev' managed='yes'>\n"
			    "  <source>\n"
			    "    <address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x7'/>\n"
			    "  </source>\n"
			    "</interface>\n");
	free(xml);
}

/* A detach names the live alias: a failover pair's two members share
 * their MAC, and libvirt refuses a MAC that matches both. */
static void test_detach_alias(void **state)
{
	VfInterface vf = { .pci_addr = "0000:03:10.2", .mac = "52:54:00:12:34:56", .alias = "hostdev0" };
	char *xml = NULL;

	assert_int_equal(vf_interface_xml(&vf, &xml), 0);
	assert_string_equal(xml,
			    "<interface type='hostdev' managed='yes'>\n"
			    "  <mac address='52:54:00:12:34:56'/>\n"
			    "  <source>\n"
			    "    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/>\n"
			    "  </source>\n"
			    "  <alias name='hostdev0'/>\n"
			    "</interface>\n");
	free(xml);
}

static void test_bad(void **state)
{
	char *xml = NULL;

	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = "eth0" }, &xml), -EINVAL);
	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = NULL }, &xml), -EINVAL);
	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = "03:10.0", .mac = "52:54:00:12:34" }, &xml), -EINVAL);
	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = "03:10.0", .mac = "52:54:00:12:34:5g" }, &xml), -EINVAL);
	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = "03:10.0", .vlan = 4095 }, &xml), -EINVAL);
	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = "03:10.0", .teaming_persistent = "a'b" }, &xml), -EINVAL);
	assert_int_equal(vf_interface_xml(&(VfInterface){ .pci_addr = "03:10.0", .alias = "a'b" }, &xml), -EINVAL);
	assert_null(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_detach_alias),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
