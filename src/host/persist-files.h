/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Files kvmnet writes under /etc (through $KVMNET_SYSROOT), with a manifest
 * so that it can remove exactly those later: a file is recorded with a
 * hash of what was written, and is neither overwritten nor removed once
 * someone else changed it; files kvmnet did not write are never touched.
 *
 * Manifest lines: "f HASH PATH", "l TARGET PATH", "d - PATH".
 */

#define PERSIST_DIR "/etc/kvmnet"
#define PERSIST_MANIFEST PERSIST_DIR "/sriov.manifest"

typedef struct ManifestEntry {
	char kind; /* 'f' file, 'l' symlink, 'd' directory */
	char *arg; /* hash (hex) or link target, "-" for a directory */
	char *path;
} ManifestEntry;

typedef struct Manifest {
	ManifestEntry *e;
	size_t n;
	bool dirty;
} Manifest;

void manifest_done(Manifest *m);
/* A missing manifest is an empty one; -EBADMSG with *ret_line for a bad line. */
int manifest_load(Manifest *m, unsigned *ret_line);
int manifest_save(Manifest *m);

/* Write content to path (creating missing parent directories, recorded
 * too).  Nothing is written when it already holds content.  -EEXIST when
 * the file exists and kvmnet did not write it, or it was changed since. */
int persist_put_file(Manifest *m, const char *path, const char *content, bool *ret_changed);
int persist_put_link(Manifest *m, const char *path, const char *target, bool *ret_changed);

/* Remove everything recorded, newest first; what was changed by someone
 * else, what cannot be removed (EROFS, EPERM), and an entry that is not a
 * path persist writes (canonical, in a directory that is no symlink) is
 * left and reported through the callback, and stays recorded. */
int persist_remove_all(Manifest *m, void (*report)(const char *path, const char *what, void *ud), void *ud);
