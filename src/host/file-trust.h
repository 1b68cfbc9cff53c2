/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Whether only root can change what a path names: the file and every
 * directory above it owned by root and writable by neither group nor
 * others (a sticky /tmp included: another user may still put a file
 * there first).  For a program root will run later, from a unit file
 * kvmnet writes.  Paths go through $KVMNET_SYSROOT.
 *
 * 0 when so; -EPERM when not, with *ret_culprit (malloc'd) the host path
 * of the first component that someone else can change and *ret_why what is
 * wrong with it ("owned by uid 1000", "group-writable", "other-writable");
 * -ENOENT when it does not exist, -ENOTDIR/-EACCES and others from stat(2).
 */
int path_root_only(const char *path, char **ret_culprit, const char **ret_why);
