/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "iommu", "intel_iommu", "amd_iommu", "a" };
	char *s = strndup((const char *)data, size);

	if (!s)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *v = NULL;

		/* A value is a piece of the line: never longer than it. */
		if (cmdline_get_key(s, keys[i], &v) == 0) {
			if (strlen(v) > strlen(s))
				abort();
			free(v);
		}
	}
	free(s);
	return 0;
}
