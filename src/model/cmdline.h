/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing a kernel command line; reading it is host/cmdline.h. */

/*
 * The value of "key=value" on a kernel command line, as the kernel reads it:
 * words split at white space outside double quotes, quotes removed, the last
 * occurrence wins, and nothing after a lone "--" (that goes to init).  A bare
 * "key" gives "".  -ENOENT when the key is not there.
 */
int cmdline_get_key(const char *line, const char *key, char **ret_value);
