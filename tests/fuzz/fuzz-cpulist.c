/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	CpuSet set, again;
	char *out = NULL;

	if (!s)
		return 0;
	/* A list that parses must format back to a list that parses to the
	 * same set: that is what `irq pin` relies on. */
	if (cpuset_parse_list(s, &set) == 0 && cpuset_format_list(&set, &out) == 0) {
		if (cpuset_parse_list(out, &again) < 0 || !cpuset_equal(&set, &again))
			abort();
		free(out);
	}
	(void)cpuset_parse_mask(s, &set);
	free(s);
	return 0;
}
