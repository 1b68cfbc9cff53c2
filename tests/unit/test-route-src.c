/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* route_source_ipv4() against this machine's own kernel, with an oracle
 * that asks the kernel another way: a UDP socket connect()ed to the
 * destination takes the source address of the same route lookup. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "host/route-src.h"

static int oracle(const char *dst, char ret[static 16])
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) }, me;
	socklen_t len = sizeof(me);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, dst, &sa.sin_addr), 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *)&me, &len) < 0)
		r = -errno;
	else
		inet_ntop(AF_INET, &me.sin_addr, ret, 16);
	close(fd);
	return r;
}

static void test_against_oracle(void **state)
{
	/* Loopback, TEST-NET-1/2/3 and a public address: whichever routes
	 * this machine has, both ways must agree. */
	const char *dsts[] = { "127.0.0.1", "127.1.2.3", "192.0.2.77", "198.51.100.1", "203.0.113.9", "9.9.9.9" };

	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		char got[16] = "", want[16] = "";
		int r = route_source_ipv4(dsts[i], got), w = oracle(dsts[i], want);

		if (r != w || (r == 0 && strcmp(got, want) != 0))
			fail_msg("%s: route_source_ipv4 %d %s, connect() %d %s", dsts[i], r, got, w, want);
	}
}

static void test_loopback(void **state)
{
	char src[16];

	assert_int_equal(route_source_ipv4("127.0.0.1", src), 0);
	assert_string_equal(src, "127.0.0.1");
}

static void test_bad(void **state)
{
	char src[16] = "untouched";

	assert_int_equal(route_source_ipv4(NULL, src), -EINVAL);
	assert_int_equal(route_source_ipv4("", src), -EINVAL);
	assert_int_equal(route_source_ipv4("10.0.0", src), -EINVAL);
	assert_int_equal(route_source_ipv4("::1", src), -EINVAL);
	assert_int_equal(route_source_ipv4("10.0.0.1 ", src), -EINVAL);
	assert_string_equal(src, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_oracle),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
