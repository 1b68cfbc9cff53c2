/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "basic/pci-addr.h"
#include "model/pci-function.h"

/* Any accepted address form ("03:00.0") to the canonical one, for a
 * device that exists: -EINVAL for a malformed address, -ENOENT when there
 * is no such device. */
int pci_device_canonical(const char *addr, char canon[static PCI_ADDR_STRLEN]);

/* -ENOENT when no such device, -EINVAL for a malformed address. */
int pci_function_read(const char *addr, PciFunction **ret);

/* Addresses of every PCI function, sorted. */
int pci_list_functions(char ***ret);
/* True for network controllers (PCI class 0x02xxxx). */
bool pci_function_is_network(const PciFunction *f);
/* Whether a PCI driver is registered (/sys/bus/pci/drivers/DRIVER). */
bool pci_driver_registered(const char *driver);
