/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.dep / modules.builtin / /proc/modules lines, and the PCIe link
 * speed strings of sysfs: both are short text parsers of check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/checks.h"
#include "model/kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	unsigned mts;

	if (!s)
		return 0;
	(void)kmod_list_has(s, "vfio-pci");
	(void)kmod_list_has(s, "tun");
	if (pcie_speed_parse(s, &mts) == 0 && mts > 1000 * 1000 + 900)
		abort();
	(void)option_list_has(s, "on");
	free(s);
	return 0;
}
