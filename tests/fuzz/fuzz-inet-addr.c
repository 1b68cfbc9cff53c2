/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inet_addr_parse ([metrics] listen) over arbitrary text: what it accepts
 * formats back to an address it accepts again, the same one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/inet-addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), buf[INET_ADDR_STRLEN];
	InetAddr a, b;

	if (!s)
		return 0;
	if (inet_addr_parse(s, &a) == 0) {
		if (inet_addr_parse(inet_addr_format(&a, buf), &b) < 0 || a.len != b.len ||
		    memcmp(&a.sa, &b.sa, a.len) != 0)
			abort();
	}
	free(s);
	return 0;
}
