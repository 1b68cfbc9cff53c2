/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "daemon/config.h"

/*
 * A PF or NIC can be written three ways ("enp1s0", "0000:01:00.0",
 * "01:00.0"); before anything is counted each entry of [sriov] pf and
 * [irq] nic is resolved through sysfs (below $KVMNET_SYSROOT) to its
 * canonical PCI address, and the entry is rewritten to it: from then on a
 * device has one name, and a renamed netdev does not change what the
 * daemon manages.  An entry that resolves to nothing, or to a device an
 * earlier entry of the same list already names, is an error
 * "FILE:LINE: pf: 'NAME': ..." naming both lines; -EINVAL with the
 * messages in *ret_errors (if not NULL), -ENOMEM otherwise.
 */
int config_resolve(Config *c, const char *filename, char ***ret_errors);

/* config_load() and config_resolve(): what kvmnetd starts and reloads with. */
int config_load_resolved(const char *path, Config **ret, char ***ret_errors);
