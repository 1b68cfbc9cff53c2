/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * The SR-IOV side of a physical function:
 * /sys/bus/pci/devices/<pf>/sriov_{totalvfs,numvfs,drivers_autoprobe} and
 * its virtfnN links.
 */
typedef struct SriovPf {
	char *addr;
	int totalvfs;	       /* -1 unknown */
	int numvfs;	       /* -1 unknown */
	int drivers_autoprobe; /* 1, 0, or -1 unknown */
	size_t n_vfs;	       /* length of vf_addrs: highest virtfnN + 1 */
	char **vf_addrs;       /* by VF index; an entry is NULL where virtfnN is missing */
} SriovPf;

void sriov_pf_free(SriovPf *pf);
static inline void sriov_pf_freep(SriovPf **pf)
{
	sriov_pf_free(*pf);
}
#define _cleanup_sriov_pf_ __attribute__((cleanup(sriov_pf_freep)))
