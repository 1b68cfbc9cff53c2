/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * A memory size as virsh takes it (libvirt's virScaleInteger): a number
 * with an optional case-insensitive suffix, KiB when there is none.
 *   b, byte, bytes          1
 *   k, KiB, m, MiB, g, GiB, t, TiB, p, PiB, e, EiB   powers of 1024
 *   KB, MB, GB, TB, PB, EB  powers of 1000
 * Rounded up to whole KiB, as virsh setmem does.  -EINVAL for anything
 * else, -ERANGE on overflow.
 */
int parse_size_kib(const char *s, uint64_t *ret_kib);

/* "3.0 GiB", "512 MiB", "100 KiB": the largest unit that keeps the
 * value at 1 or more, one decimal from MiB up. */
#define SIZE_STR_MAX 32
const char *format_kib(uint64_t kib, char buf[static SIZE_STR_MAX]);
