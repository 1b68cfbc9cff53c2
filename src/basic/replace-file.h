/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Write text as the file at path (a path the user named, not under the
 * sysroot): into a new file of a random name beside it, created with
 * O_EXCL, then renamed over path.  Whatever path was is replaced, never
 * opened: a symlink there is replaced by the file, its target untouched
 * (a root `bench --svg /tmp/x.svg` cannot be made to truncate
 * /etc/shadow), and a reader sees the old file or the whole new one.
 * -EISDIR when path is a directory; nothing is left behind on failure. */
int replace_file(const char *path, const char *text, mode_t mode);
