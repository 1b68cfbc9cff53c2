/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Every path under /sys, /proc, /dev, /etc and /run that kvmnet touches goes
 * through one root, taken from $KVMNET_SYSROOT (default "/"), so that tests
 * point the whole program at a fake tree.  Paths given to these functions
 * are absolute host paths ("/sys/bus/pci/..."); the root is prefixed here.
 */
const char *sysroot(void);
/* For tests: forget the cached root so the next call reads the env again. */
void sysroot_reset(void);

/* Join the root and a printf-style absolute path; ret is malloc'd. */
int root_path(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whole file, NUL terminated; ret_size may be NULL.  Files over max_size
 * give -EFBIG (sysfs and procfs files are small; this bounds garbage). */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* The same for a file the user named on the command line (a relative
 * path, say): opened as given, not under the root. */
int read_user_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* A file a person names or kvmnet keeps (a configuration, a state file),
 * opened as given (not below the root; root_path() first for one that is):
 * only a regular file, and opened without blocking, so a FIFO is refused
 * rather than waited on.  -EISDIR for a directory, -EBADFD for a FIFO, a
 * socket or a device, -EFBIG over max_size. */
int read_regular_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* read_regular_file() of a path below the root (/etc/kvmnet/...). */
int read_state_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* Those errors for a message ("a directory", "a FIFO, socket or device,
 * not a regular file", "too large"), strerror() for the others. */
const char *file_error_string(int r);
/* First line without its newline. */
int read_one_line(const char *path, char **ret);
/* A file holding one decimal integer, like most sysfs attributes. */
int read_u64_file(const char *path, uint64_t *ret);
int read_int_file(const char *path, int *ret);
/* Last component of a symlink's target ("driver" -> "igb"). */
int read_link_basename(const char *path, char **ret);
/* write(2) the string in one call, as sysfs wants; no trailing newline
 * is added.  Returns the kernel's -errno (EBUSY, EINVAL...). */
int write_string_file(const char *path, const char *s);
int access_root(const char *path, int mode);

/* Sorted NULL-terminated list of entries of a directory, without "." and
 * "..", optionally only names starting with prefix. */
int list_dir(const char *path, const char *prefix, char ***ret);
