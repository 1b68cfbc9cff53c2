/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * Paths read back from kvmnet's own state (tune state file, journal,
 * persist manifest) are data an attacker may have written: before one is
 * written to or removed it must be in canonical form and stay where it
 * says it is once resolved below $KVMNET_SYSROOT.
 */

/* Absolute, no empty ("//"), "." or ".." component, no trailing '/', no
 * control character or blank. */
bool path_is_canonical(const char *path);

/* Resolve path (a host path, below the root) and check that the result is
 * below the host directory dir (below the root too) and keeps path's last
 * component (no symlink swapped in for the file itself).  0 when it is;
 * -EXDEV when it resolves elsewhere; the -errno of realpath(3) (-ENOENT
 * for a path that is gone). */
int path_resolves_below(const char *path, const char *dir);

/* Whether the host directory path, resolved below the root, is itself: no
 * component of it is a symlink.  0, -EXDEV, or realpath(3)'s -errno. */
int path_resolves_to_itself(const char *path);
