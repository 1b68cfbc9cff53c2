/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The two lines of /proc/meminfo the balloon needs when the kernel has no
 * PSI.  MemAvailable appeared in 3.14; before that it is estimated from
 * MemFree + Buffers + Cached, as free(1) did, and `estimated` says so.
 */
typedef struct MemInfo {
	uint64_t total_kib, available_kib;
	bool estimated;
} MemInfo;

/* -EBADMSG without MemTotal, or without both MemAvailable and MemFree, or
 * with a MemAvailable above MemTotal. */
int meminfo_parse(const char *text, MemInfo *ret);
int meminfo_read(MemInfo *ret);
