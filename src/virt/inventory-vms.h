/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "model/inventory.h"

/* The inventory's VM source: running domains at opts->libvirt_uri (read
 * only) and the PCI functions they hold.  Unreachable libvirt: -errno
 * and the reason, the rest of the inventory untouched; -ETIMEDOUT when
 * libvirt did not answer within opts->libvirt_timeout_us (0: no limit). */
int inventory_fill_vms(Inventory *inv, const InventoryOptions *opts, char **ret_reason);
