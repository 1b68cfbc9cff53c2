/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct PciAddr {
	uint32_t domain;
	uint8_t bus, slot, function;
} PciAddr;

/* "0000:03:00.1" or "03:00.1" (domain 0), as sysfs and lspci print them. */
int pci_addr_parse(const char *s, PciAddr *ret);
bool pci_addr_equal(const PciAddr *a, const PciAddr *b);
/* "dddd:bb:ss.f" into buf of at least PCI_ADDR_STRLEN bytes. */
#define PCI_ADDR_STRLEN 16
char *pci_addr_format(const PciAddr *a, char buf[static PCI_ADDR_STRLEN]);
