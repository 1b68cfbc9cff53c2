/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ETHER_ADDR_LEN_BYTES 6
#define ETHER_ADDR_STRLEN 18

/* "02:00:5e:10:00:01" (or with '-'), hex case-insensitive, exactly six
 * two-digit groups; -EINVAL otherwise. */
int ether_addr_parse(const char *s, uint8_t ret[static ETHER_ADDR_LEN_BYTES]);
/* Lower-case, colon separated, into buf of ETHER_ADDR_STRLEN bytes. */
char *ether_addr_format(const uint8_t a[static ETHER_ADDR_LEN_BYTES], char buf[static ETHER_ADDR_STRLEN]);
bool ether_addr_is_zero(const uint8_t a[static ETHER_ADDR_LEN_BYTES]);
/* A unicast address a VF may carry: not multicast (bit 0 of the first
 * byte) and not all zero.  All zero is still accepted by the kernel to mean
 * "let the VF choose", so callers decide whether to allow it. */
bool ether_addr_is_unicast(const uint8_t a[static ETHER_ADDR_LEN_BYTES]);
