/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/sriov-pf.h"

/* pf_addr as pci_function_read() takes it.  -EOPNOTSUPP when the function
 * has no sriov_totalvfs (not a PF), -ENOENT when there is no such device,
 * -EINVAL for a malformed address. */
int sriov_pf_read(const char *pf_addr, SriovPf **ret);
/* The addresses of every SR-IOV PF (a function with sriov_totalvfs),
 * sorted. */
int sriov_list_pfs(char ***ret);

/* ---- Primitives for the engine (src/act/sriov.c) ----------------------- */

/* One sysfs write of the engine, through the test hook below. */
int sriov_sysfs_write(const char *path, const char *value);
/* The driver bound to a PCI function: 0 and *ret NULL when there is no
 * driver link; a link that cannot be read (EACCES, EINVAL: not a link) is
 * an error, never "no driver". */
int sriov_vf_driver(const char *vf_addr, char **ret);
/* The PF of a VF (its physfn link): 0 and *ret NULL when the function
 * is there and has no physfn (it is no VF), -errno when it cannot be
 * read or the function is not there. */
int sriov_physfn(const char *addr, char **ret);
/* The PF's netdev, NULL when its driver has none (unbound PF). */
char *sriov_pf_netdev(const char *pf_addr);
/* A VF's driver_override: 0 and *ret NULL when none is set, -errno when
 * it cannot be read. */
int sriov_vf_override(const char *vf_addr, char **ret);

/*
 * For tests on fake trees, where sysfs attributes are plain files: called
 * before each engine write with the host path (no sysroot prefix).  < 0
 * fails the write with that error as the kernel would, 0 lets the plain
 * write happen, > 0 means the hook did the kernel's part itself.
 */
typedef int (*SriovWriteHook)(const char *path, const char *value, void *userdata);
void sriov_set_write_hook(SriovWriteHook hook, void *userdata);
