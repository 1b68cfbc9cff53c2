/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * What an incoming live migration's domain XML carries that this host
 * cannot honour: libvirt (9.0, seen in the lab) sends a teamed VM's VF
 * along as the transient member of its failover pair (<interface
 * type='hostdev'> with <teaming type='transient'>), named by the source
 * host's PCI address, which here is another device or none.  libvirt also
 * refuses an incoming XML with fewer NICs than the source's ("Target
 * domain net card count 1 does not match source 2"), so the member cannot
 * simply be left out.  kvmnet's qemu hook refuses such a migration, and
 * `kvmnetctl vm migrate` hands the VFs back to kvmnetd before migrating.
 * Pure: libxml2 on a string.
 */

/* The number of transient members in xml, with "MAC at PCI, ..." (for the
 * message) in ret_list when there are any; 0 also when the domain's kvmnet
 * metadata says manage="no" (not kvmnet's to judge).  A manage= that is
 * neither yes nor no is unknown, and an unknown never lets a VF through:
 * its members are counted, and ret_unknown (may be NULL) set.  -EINVAL
 * when xml is not a domain's, with ret_error; -EFBIG, -ENOMEM. */
int carried_vfs(const char *xml, char **ret_list, bool *ret_unknown, char **ret_error);
