/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/iommu-cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /etc/default/grub text through the IOMMU edit, for both vendors; an
 * edit must be idempotent.  The text doubles as a kernel command line. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vendors[] = { "GenuineIntel", "AuthenticAMD" };
	char *s = strndup((const char *)data, size);

	if (!s)
		return 0;
	for (size_t v = 0; v < 2; v++) {
		IommuChange c;
		char *out = NULL, *again = NULL, *line = NULL;
		bool changed;

		if (iommu_change_for(s, vendors[v], &c) == 0)
			iommu_change_done(&c);
		if (iommu_change_full(vendors[v], &c) < 0)
			continue;
		if (grub_default_edit(s, &c, &out, &changed) == 0) {
			if (grub_default_edit(out, &c, &again, &changed) != 0 || changed || strcmp(out, again) != 0)
				abort();
			if (grub_default_line(out, &line) != 0)
				abort();
		}
		free(out);
		free(again);
		free(line);
		iommu_change_done(&c);
	}
	free(s);
	return 0;
}
