/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ether-addr.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ether_addr_parse(const char *s, uint8_t ret[static ETHER_ADDR_LEN_BYTES])
{
	uint8_t a[ETHER_ADDR_LEN_BYTES];
	char sep = 0;

	if (!s || strlen(s) != ETHER_ADDR_STRLEN - 1)
		return -EINVAL;
	for (int i = 0; i < ETHER_ADDR_LEN_BYTES; i++) {
		const char *p = s + i * 3;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		a[i] = (uint8_t)(hi << 4 | lo);
		if (i == ETHER_ADDR_LEN_BYTES - 1)
			break;
		/* One separator throughout: "aa:bb-cc..." is a typo, not an address. */
		if ((p[2] != ':' && p[2] != '-') || (sep && p[2] != sep))
			return -EINVAL;
		sep = p[2];
	}
	memcpy(ret, a, sizeof(a));
	return 0;
}

char *ether_addr_format(const uint8_t a[static ETHER_ADDR_LEN_BYTES], char buf[static ETHER_ADDR_STRLEN])
{
	snprintf(buf, ETHER_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	return buf;
}

bool ether_addr_is_zero(const uint8_t a[static ETHER_ADDR_LEN_BYTES])
{
	for (int i = 0; i < ETHER_ADDR_LEN_BYTES; i++)
		if (a[i])
			return false;
	return true;
}

bool ether_addr_is_unicast(const uint8_t a[static ETHER_ADDR_LEN_BYTES])
{
	return !(a[0] & 1) && !ether_addr_is_zero(a);
}
