/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "model/inventory.h"

/* The host's sources of the inventory model (model/inventory.h). */

/*
 * Read every network PCI function (class 0x02) and every SR-IOV PF with
 * its VFs below $KVMNET_SYSROOT.  Unreadable devices and attributes are
 * unknown in the model; when PCI cannot be listed at all, inv->pci is
 * unknown with the reason and the model has no NICs.  Fails only on
 * -ENOMEM.  The other parts start unknown until inventory_fill().
 */
int inventory_read(Inventory **ret);

/* The interrupt source: vectors, counts and affinity of every NIC and VF
 * (src/host/inventory-irqs.c). */
int inventory_fill_irqs(Inventory *inv, const InventoryOptions *opts, char **ret_reason);

/* The VF attribute source: each PF's VFs over rtnetlink
 * (src/host/inventory-vfattrs.c); unknown under another $KVMNET_SYSROOT. */
int inventory_fill_vf_attrs(Inventory *inv, const InventoryOptions *opts, char **ret_reason);
