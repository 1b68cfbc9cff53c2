/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL, *again = NULL;
	size_t n, m;
	char *enc;

	if (base64_decode((const char *)data, size, &out, &n) < 0)
		return 0;
	/* Whatever decodes encodes back to something that decodes the same. */
	enc = base64_encode(out, n);
	if (!enc || base64_decode(enc, strlen(enc), &again, &m) < 0 || m != n || memcmp(out, again, n) != 0)
		abort();
	free(enc);
	free(again);
	free(out);
	return 0;
}
