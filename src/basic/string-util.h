/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Append printf output to *s (NULL counts as empty), with sep (may be
 * NULL) between the old text and the new when the old is not empty.  On
 * failure *s is unchanged. */
int strextendf_sep(char **s, const char *sep, const char *fmt, ...) _printf_(3, 4);
