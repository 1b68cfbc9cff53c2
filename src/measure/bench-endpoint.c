/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "measure/bench-endpoint.h"

#define fail(ret_error, ...) error_setf(ret_error, -EINVAL, __VA_ARGS__)

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

int bench_endpoint_parse(const char *s, BenchEndpoint *ret, char **ret_error)
{
	BenchEndpoint e = { .kind = BENCH_EP_VM };
	const char *name, *at;
	size_t len;

	if (!s || !(streq(s, "host") || strneq(s, "vm:", 3)))
		return fail(ret_error, "'%s': expected host, vm:DOMAIN or vm:DOMAIN@IPV4", s ? s : "");
	if (streq(s, "host"))
		e.kind = BENCH_EP_HOST;
	else {
		name = s + 3;
		at = strrchr(name, '@');
		len = at ? (size_t)(at - name) : strlen(name);
		if (len == 0)
			return fail(ret_error, "'%s': no domain name after vm:", s);
		if (len > BENCH_EP_DOMAIN_MAX || has_control(name, len))
			return fail(ret_error, "'%.64s...': not a domain name", s);
		if (at) {
			struct in_addr in;

			if (inet_pton(AF_INET, at + 1, &in) != 1)
				return fail(ret_error, "'%s': '%s' after @ is not an IPv4 address", s, at + 1);
			inet_ntop(AF_INET, &in, e.addr, sizeof(e.addr));
			e.has_addr = true;
		}
		e.domain = strndup(name, len);
		if (!e.domain)
			return -ENOMEM;
	}
	e.spec = strdup(s);
	if (!e.spec) {
		free(e.domain);
		return -ENOMEM;
	}
	*ret = e;
	return 0;
}

void bench_endpoint_done(BenchEndpoint *e)
{
	if (!e)
		return;
	free(e->spec);
	free(e->domain);
	*e = (BenchEndpoint){};
}

int bench_endpoints_check(const BenchEndpoint *from, const BenchEndpoint *to, char **ret_error)
{
	if (from->kind == BENCH_EP_HOST && to->kind == BENCH_EP_HOST)
		return fail(ret_error, "--from host --to host measures no network; "
				       "use the network namespace mode (no --from/--to) or a VM end");
	if (from->kind == BENCH_EP_VM && to->kind == BENCH_EP_VM && streq(from->domain, to->domain))
		return fail(ret_error, "--from and --to are both domain '%s': that measures the guest's loopback",
			    from->domain);
	return 0;
}

char *bench_default_label(const BenchEndpoint *from, const BenchEndpoint *to)
{
	char *s;

	return asprintf(&s, "%s->%s", from->spec, to->spec) < 0 ? NULL : s;
}
