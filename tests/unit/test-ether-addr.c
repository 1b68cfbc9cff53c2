/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "basic/ether-addr.h"

static void test_parse(void **state)
{
	char buf[ETHER_ADDR_STRLEN];
	uint8_t a[6];

	assert_int_equal(ether_addr_parse("02:00:5E:10:00:ff", a), 0);
	assert_string_equal(ether_addr_format(a, buf), "02:00:5e:10:00:ff");
	assert_int_equal(ether_addr_parse("02-00-5e-10-00-01", a), 0);
	assert_string_equal(ether_addr_format(a, buf), "02:00:5e:10:00:01");
	assert_true(ether_addr_is_unicast(a));
	a[0] = 1;
	assert_false(ether_addr_is_unicast(a));
	memset(a, 0, 6);
	assert_true(ether_addr_is_zero(a));
	assert_false(ether_addr_is_unicast(a));
}

static void test_bad(void **state)
{
	uint8_t a[6] = { 9, 9, 9, 9, 9, 9 };

	assert_int_equal(ether_addr_parse("", a), -EINVAL);
	assert_int_equal(ether_addr_parse(NULL, a), -EINVAL);
	assert_int_equal(ether_addr_parse("02:00:5e:10:00", a), -EINVAL);
	assert_int_equal(ether_addr_parse("02:00:5e:10:00:011", a), -EINVAL);
	assert_int_equal(ether_addr_parse("02:00-5e:10:00:01", a), -EINVAL);
	assert_int_equal(ether_addr_parse("0g:00:5e:10:00:01", a), -EINVAL);
	assert_int_equal(ether_addr_parse("02:00:5e:10:00:0 ", a), -EINVAL);
	assert_int_equal(ether_addr_parse("2:0:5e:10:00:01xx", a), -EINVAL);
	/* Untouched on failure. */
	assert_int_equal(a[0], 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
