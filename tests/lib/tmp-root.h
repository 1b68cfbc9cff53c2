/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* A throw-away system root for a test that writes into /sys, /proc or /run:
 * a fresh directory under /tmp, seeded from fixtures, that KVMNET_SYSROOT
 * points at until it is removed.  Tests that only read a fixture use
 * fixture.h instead and point at the checked-in tree. */
#include <stddef.h>

#define TMP_ROOT_MAX 64

/* mkdtemp("/tmp/kvmnet-NAME-XXXXXX") into root (TMP_ROOT_MAX bytes), then
 * KVMNET_SYSROOT=root. */
int tmp_root_new(char *root, const char *name);
/* Copy tests/fixtures/FIXTURE/. (FIXTURE may name a subdirectory, e.g.
 * "tune-debugfs/sys/kernel") to root/DEST ("" for the root itself). */
int tmp_root_copy(const char *root, const char *fixture, const char *dest);
/* Write root/REL (its parent directories made as needed). */
int tmp_root_put(const char *root, const char *rel, const char *content);
/* Remove the tree; KVMNET_SYSROOT is left pointing nowhere useful, so the
 * next test makes its own. */
int tmp_root_remove(const char *root);
