/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Append printf output to *s (NULL counts as empty), with sep (may be
 * NULL) between the old text and the new when the old is not empty.  On
 * failure *s is unchanged. */
int strextendf_sep(char **s, const char *sep, const char *fmt, ...) _printf_(3, 4);

/* Cut s at its first newline, in place: the first line of a command's
 * output, for a one-line message.  NULL stays NULL. */
char *first_line(char *s);

/* The error path of a function with a char **ret_error parameter: if
 * ret_error is not NULL, store the formatted message there (malloc'd; NULL
 * when out of memory), then return r, the negative errno.  The message is
 * written on failure because explaining the failure is its purpose. */
int error_setf(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
