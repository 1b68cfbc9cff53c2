/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

/*
 * A TCP listening address as an operator writes it: "127.0.0.1:9469",
 * "0.0.0.0:9469", "[::1]:9469", "[::]:9469".  Numeric only: a name would
 * mean a DNS lookup when the daemon starts, and an answer that changes
 * what it listens on.
 */
typedef struct InetAddr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
} InetAddr;

/* -EINVAL when s is not ADDRESS:PORT with a numeric IPv4 address or an
 * IPv6 address in brackets, and a port from 1 to 65535.  ret is written
 * only on success. */
int inet_addr_parse(const char *s, InetAddr *ret);
/* "127.0.0.1:9469" or "[::1]:9469" into buf. */
#define INET_ADDR_STRLEN (INET6_ADDRSTRLEN + 9)
const char *inet_addr_format(const InetAddr *a, char buf[static INET_ADDR_STRLEN]);
