/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Network interfaces as /sys/class/net shows them. */

/* Names of every interface, sorted. */
int netdev_list(char ***ret);
/* The PCI address behind an interface; -ENOENT when there is no such
 * interface, -ENODEV when it is not a PCI device (loopback, bridge, veth). */
int netdev_pci_addr(const char *ifname, char **ret);
/* A PF or NIC named either way, "enp3s0" or "0000:03:00.0" or "03:00.0",
 * to its canonical PCI address.  -ENODEV for an address with no device
 * behind it; otherwise as netdev_pci_addr(). */
int pci_resolve_name(const char *name, char **ret_addr);
/* Wait (bounded) until the interface has carrier: some drivers (igb)
 * refuse VF rates until the PF link is up at speed.  -ETIMEDOUT. */
int netdev_wait_carrier(const char *ifname, unsigned timeout_ms);

/* Whether the macvtap device class exists (the module is loaded or built
 * in). */
bool netdev_macvtap_class(void);
