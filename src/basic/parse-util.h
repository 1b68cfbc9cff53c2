/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Whole-string parsers: leading/trailing garbage, signs where none belong
 * and overflow are -EINVAL / -ERANGE.  Decimal, or hex with 0x. */
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_int(const char *s, int *ret);
/* yes/no, true/false, on/off, 1/0 */
int parse_bool(const char *s, bool *ret);
/* "500ms", "5s", "2m", "1h", "250us"; a unit is required. */
int parse_duration_us(const char *s, uint64_t *ret);
/* Trim white space at both ends, in place; returns s. */
char *strstrip(char *s);
