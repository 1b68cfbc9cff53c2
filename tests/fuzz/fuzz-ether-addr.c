/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ether-addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	char buf[ETHER_ADDR_STRLEN];
	uint8_t a[6], b[6];

	if (!s)
		return 0;
	/* Whatever parses formats back to an address that parses the same. */
	if (ether_addr_parse(s, a) == 0) {
		if (ether_addr_parse(ether_addr_format(a, buf), b) < 0 || memcmp(a, b, 6) != 0)
			abort();
	}
	free(s);
	return 0;
}
