/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/pci-addr.h"

static void test_parse(void **state)
{
	char buf[PCI_ADDR_STRLEN];
	PciAddr a;

	assert_int_equal(pci_addr_parse("0000:03:00.1", &a), 0);
	assert_string_equal(pci_addr_format(&a, buf), "0000:03:00.1");
	assert_int_equal(pci_addr_parse("3b:10.7", &a), 0);
	assert_string_equal(pci_addr_format(&a, buf), "0000:3b:10.7");
	assert_int_equal(pci_addr_parse("ffff:FF:1f.7", &a), 0);
	assert_string_equal(pci_addr_format(&a, buf), "ffff:ff:1f.7");
}

static void test_bad(void **state)
{
	PciAddr a;

	assert_int_equal(pci_addr_parse("", &a), -EINVAL);
	assert_int_equal(pci_addr_parse("eth0", &a), -EINVAL);
	assert_int_equal(pci_addr_parse("0000:03:20.0", &a), -EINVAL);
	assert_int_equal(pci_addr_parse("0000:03:00.8", &a), -EINVAL);
	assert_int_equal(pci_addr_parse("10000:03:00.0", &a), -EINVAL);
	assert_int_equal(pci_addr_parse("0000:03:00.0x", &a), -EINVAL);
	assert_int_equal(pci_addr_parse("0:0:0:0.0", &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
