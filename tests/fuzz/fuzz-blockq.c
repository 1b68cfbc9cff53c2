/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/strv.h"
#include "host/blockq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), *cur = NULL, **avail = NULL;

	if (!s)
		return 0;
	if (blockq_parse_scheduler(s, &cur, &avail) == 0) {
		/* The one in use is always one of those offered. */
		if (cur && !strv_contains(avail, cur))
			abort();
		(void)blockq_pick_deadline(avail);
		free(cur);
		strv_free(avail);
	}
	free(s);
	return 0;
}
