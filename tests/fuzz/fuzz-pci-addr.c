/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/pci-addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	char buf[PCI_ADDR_STRLEN];
	PciAddr a, b;

	if (!s)
		return 0;
	if (pci_addr_parse(s, &a) == 0) {
		if (pci_addr_parse(pci_addr_format(&a, buf), &b) < 0 || !pci_addr_equal(&a, &b))
			abort();
	}
	free(s);
	return 0;
}
