/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inet-addr.h"
#include "macro.h"
#include "parse-util.h"

/* The port after the last colon: 1-65535, digits only. */
static int parse_port(const char *s, uint16_t *ret)
{
	uint32_t v;

	if (isempty(s) || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
		return -EINVAL;
	if (parse_u32(s, &v) < 0 || v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int inet_addr_parse(const char *s, InetAddr *ret)
{
	char host[INET6_ADDRSTRLEN + 1];
	InetAddr a = {};
	const char *colon, *h = s;
	size_t n;
	uint16_t port;

	if (isempty(s))
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host) || parse_port(colon + 1, &port) < 0)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = 0;
	if (s[0] == '[') {
		if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) != 1)
			return -EINVAL;
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
		a.len = sizeof(a.in6);
	} else {
		if (inet_pton(AF_INET, host, &a.in.sin_addr) != 1)
			return -EINVAL;
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons(port);
		a.len = sizeof(a.in);
	}
	*ret = a;
	return 0;
}

const char *inet_addr_format(const InetAddr *a, char buf[static INET_ADDR_STRLEN])
{
	char host[INET6_ADDRSTRLEN];

	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof(host));
		snprintf(buf, INET_ADDR_STRLEN, "[%s]:%u", host, ntohs(a->in6.sin6_port));
	} else {
		inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof(host));
		snprintf(buf, INET_ADDR_STRLEN, "%s:%u", host, ntohs(a->in.sin_port));
	}
	return buf;
}
