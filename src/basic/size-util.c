/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse-util.h"
#include "size-util.h"

/* The multiplier in bytes of a suffix; 0 when it is not one. */
static uint64_t suffix_scale(const char *sfx)
{
	static const char units[] = "kmgtpe";
	const char *u;
	uint64_t base, scale = 1;

	if (!*sfx)
		return 1024;
	if (!strcasecmp(sfx, "b") || !strcasecmp(sfx, "byte") || !strcasecmp(sfx, "bytes"))
		return 1;
	u = strchr(units, tolower((unsigned char)sfx[0]));
	if (!u || !sfx[0])
		return 0;
	if (!sfx[1] || !strcasecmp(sfx + 1, "ib"))
		base = 1024;
	else if (!strcasecmp(sfx + 1, "b"))
		base = 1000;
	else
		return 0;
	for (const char *k = units; k <= u; k++)
		scale *= base;
	return scale;
}

int parse_size_kib(const char *s, uint64_t *ret_kib)
{
	char num[32];
	size_t n = strspn(s, "0123456789");
	uint64_t v, scale;
	int r;

	if (n == 0 || n >= sizeof(num))
		return n ? -ERANGE : -EINVAL;
	memcpy(num, s, n);
	num[n] = 0;
	r = parse_u64(num, &v);
	if (r < 0)
		return r;
	scale = suffix_scale(s + n);
	if (scale == 0)
		return -EINVAL;
	if (v > UINT64_MAX / scale)
		return -ERANGE;
	v *= scale;
	*ret_kib = v / 1024 + (v % 1024 != 0);
	return 0;
}

const char *format_kib(uint64_t kib, char buf[static SIZE_STR_MAX])
{
	static const char *const units[] = { "MiB", "GiB", "TiB", "PiB" };
	double v = (double)kib / 1024;
	unsigned u = 0;

	if (kib < 1024) {
		snprintf(buf, SIZE_STR_MAX, "%llu KiB", (unsigned long long)kib);
		return buf;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0]))
		v /= 1024, u++;
	snprintf(buf, SIZE_STR_MAX, "%.1f %s", v, units[u]);
	return buf;
}
