/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/guest-agent-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GuestIpv4 *v = NULL;
	size_t n = 0, idx, count;
	struct in_addr in;

	if (ga_parse_interfaces((const char *)data, size, &v, &n) < 0)
		return 0;
	/* Every address kept is a dotted quad with a prefix that fits. */
	for (size_t i = 0; i < n; i++)
		if (!v[i].ifname || inet_pton(AF_INET, v[i].addr, &in) != 1 || v[i].prefix > 32)
			abort();
	if (guest_ipv4_pick(v, n, &idx, &count) == 0 && (idx >= n || count == 0 || count > n))
		abort();
	guest_ipv4_free(v, n);
	return 0;
}
