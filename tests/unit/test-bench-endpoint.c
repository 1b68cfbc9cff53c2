/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "measure/bench-endpoint.h"

static void test_good(void **state)
{
	BenchEndpoint h, a, b;
	char *label;

	assert_int_equal(bench_endpoint_parse("host", &h, NULL), 0);
	assert_int_equal(h.kind, BENCH_EP_HOST);
	assert_null(h.domain);
	assert_int_equal(bench_endpoint_parse("vm:a", &a, NULL), 0);
	assert_int_equal(a.kind, BENCH_EP_VM);
	assert_string_equal(a.domain, "a");
	assert_false(a.has_addr);
	assert_int_equal(bench_endpoint_parse("vm:b@10.0.0.2", &b, NULL), 0);
	assert_string_equal(b.domain, "b");
	assert_true(b.has_addr);
	assert_string_equal(b.addr, "10.0.0.2");
	assert_string_equal(b.spec, "vm:b@10.0.0.2");

	label = bench_default_label(&a, &b);
	assert_string_equal(label, "vm:a->vm:b@10.0.0.2");
	free(label);
	label = bench_default_label(&h, &a);
	assert_string_equal(label, "host->vm:a");
	free(label);
	assert_int_equal(bench_endpoints_check(&a, &b, NULL), 0);
	assert_int_equal(bench_endpoints_check(&h, &b, NULL), 0);
	assert_int_equal(bench_endpoints_check(&b, &h, NULL), 0);
	bench_endpoint_done(&h);
	bench_endpoint_done(&a);
	bench_endpoint_done(&b);
	assert_null(b.spec);
	bench_endpoint_done(NULL);
}

/* libvirt allows '@' and ':' in a domain name: the last '@' splits. */
static void test_odd_names(void **state)
{
	BenchEndpoint e;

	assert_int_equal(bench_endpoint_parse("vm:user@site@192.168.1.9", &e, NULL), 0);
	assert_string_equal(e.domain, "user@site");
	assert_string_equal(e.addr, "192.168.1.9");
	bench_endpoint_done(&e);
	assert_int_equal(bench_endpoint_parse("vm:vm:x", &e, NULL), 0);
	assert_string_equal(e.domain, "vm:x");
	bench_endpoint_done(&e);
	assert_int_equal(bench_endpoint_parse("vm:web 01", &e, NULL), 0);
	assert_string_equal(e.domain, "web 01");
	bench_endpoint_done(&e);
}

static void bad(const char *s, const char *want)
{
	BenchEndpoint e = { .kind = 77 };
	char *err = NULL;

	assert_int_equal(bench_endpoint_parse(s, &e, &err), -EINVAL);
	assert_int_equal(e.kind, 77);
	assert_non_null(err);
	if (!strstr(err, want))
		fail_msg("'%s': '%s' does not say '%s'", s ? s : "(null)", err, want);
	free(err);
	assert_int_equal(bench_endpoint_parse(s, &e, NULL), -EINVAL);
}

static void test_bad(void **state)
{
	char huge[BENCH_EP_DOMAIN_MAX + 8];

	bad(NULL, "expected host, vm:DOMAIN or vm:DOMAIN@IPV4");
	bad("", "expected host");
	bad("Host", "expected host");
	bad("host ", "expected host");
	bad("vm", "expected host");
	bad("guest:a", "expected host");
	bad("vm:", "no domain name");
	bad("vm:@10.0.0.1", "no domain name");
	bad("vm:a@", "'' after @ is not an IPv4 address");
	bad("vm:a@10.0.0", "is not an IPv4 address");
	bad("vm:a@10.0.0.256", "is not an IPv4 address");
	bad("vm:a@fe80::1", "is not an IPv4 address");
	bad("vm:a@ 10.0.0.1", "is not an IPv4 address");
	bad("vm:a\tb", "not a domain name");
	memcpy(huge, "vm:", 3);
	memset(huge + 3, 'x', sizeof(huge) - 4);
	huge[sizeof(huge) - 1] = 0;
	bad(huge, "not a domain name");
}

static void test_pairs(void **state)
{
	BenchEndpoint h1, h2, a1, a2;
	char *err = NULL;

	assert_int_equal(bench_endpoint_parse("host", &h1, NULL), 0);
	assert_int_equal(bench_endpoint_parse("host", &h2, NULL), 0);
	assert_int_equal(bench_endpoint_parse("vm:a", &a1, NULL), 0);
	assert_int_equal(bench_endpoint_parse("vm:a@10.1.1.1", &a2, NULL), 0);
	assert_int_equal(bench_endpoints_check(&h1, &h2, &err), -EINVAL);
	assert_non_null(strstr(err, "--from host --to host"));
	free(err);
	assert_int_equal(bench_endpoints_check(&a1, &a2, &err), -EINVAL);
	assert_non_null(strstr(err, "loopback"));
	free(err);
	bench_endpoint_done(&h1);
	bench_endpoint_done(&h2);
	bench_endpoint_done(&a1);
	bench_endpoint_done(&a2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
