/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* RFC 4648 base64 (the standard alphabet, '+' and '/'), as the QEMU guest
 * agent sends guest-exec output.  The '=' padding may be left out; white
 * space, other characters, padding in the middle and a last group of a
 * single character are -EINVAL.  Input longer than BASE64_DECODE_MAX is
 * -EFBIG (the agent caps captured output at 16 MiB, 22 MiB encoded).
 * *ret is malloc'd and NUL-terminated (not counted in *ret_len) so that
 * decoded text can be used as a string. */
#define BASE64_DECODE_MAX ((size_t)64 << 20)

int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len);

/* The encoding of n bytes, padded, NUL-terminated, malloc'd; NULL when out
 * of memory.  For tests and for round trips in the fuzz harness. */
char *base64_encode(const uint8_t *p, size_t n);
