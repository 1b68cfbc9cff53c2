/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/cpuinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	CpuInfo ci;

	if (!s)
		return 0;
	if (cpuinfo_parse(s, &ci) == 0 && strnlen(ci.vendor_id, sizeof(ci.vendor_id)) >= sizeof(ci.vendor_id))
		abort();
	free(s);
	return 0;
}
