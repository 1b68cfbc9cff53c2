/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Whole-string parsers: leading/trailing garbage, signs where none belong
 * and overflow are -EINVAL / -ERANGE.  Decimal only: "010" is ten and
 * "0x10" is refused, since every number kvmnet reads is one a person
 * typed (config, command line, state files) or a decimal kernel file. */
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_int(const char *s, int *ret);
/* C notation (0x hex, leading-0 octal, decimal), only for a field another
 * program documents that way: libvirt's <address domain='0x0000' ...>. */
int parse_u32_c(const char *s, uint32_t *ret);
/* yes/no, true/false, on/off, 1/0 */
int parse_bool(const char *s, bool *ret);
/* "500ms", "5s", "2m", "1h", "250us"; a unit is required. */
int parse_duration_us(const char *s, uint64_t *ret);
/* Trim white space at both ends, in place; returns s. */
char *strstrip(char *s);
