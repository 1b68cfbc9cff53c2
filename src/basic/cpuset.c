/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "macro.h"

void cpuset_zero(CpuSet *s)
{
	memset(s, 0, sizeof(*s));
}

int cpuset_set(CpuSet *s, unsigned cpu)
{
	if (cpu >= CPUSET_MAX)
		return -ERANGE;
	s->bits[cpu / 64] |= 1ULL << (cpu % 64);
	return 0;
}

bool cpuset_isset(const CpuSet *s, unsigned cpu)
{
	return cpu < CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpuset_count(const CpuSet *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < ELEMENTSOF(s->bits); i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

bool cpuset_equal(const CpuSet *a, const CpuSet *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

int cpuset_next(const CpuSet *s, int after)
{
	unsigned start = (unsigned)(after + 1);

	for (unsigned w = start / 64; w < ELEMENTSOF(s->bits); w++) {
		uint64_t word = s->bits[w];

		if (w == start / 64)
			word &= ~0ULL << (start % 64);
		if (word)
			return (int)(w * 64 + (unsigned)__builtin_ctzll(word));
	}
	return -1;
}

void cpuset_and(CpuSet *a, const CpuSet *b)
{
	for (size_t i = 0; i < ELEMENTSOF(a->bits); i++)
		a->bits[i] &= b->bits[i];
}

void cpuset_minus(CpuSet *a, const CpuSet *b)
{
	for (size_t i = 0; i < ELEMENTSOF(a->bits); i++)
		a->bits[i] &= ~b->bits[i];
}

int cpuset_first(const CpuSet *s)
{
	return cpuset_next(s, -1);
}

static int parse_cpu(const char **p, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= CPUSET_MAX)
		return -ERANGE;
	*p = end;
	*ret = (unsigned)v;
	return 0;
}

int cpuset_parse_list(const char *s, CpuSet *ret)
{
	CpuSet set;
	const char *p = s;
	int r;

	cpuset_zero(&set);
	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p)) {
		unsigned a, b;

		r = parse_cpu(&p, &a);
		if (r < 0)
			return r;
		b = a;
		if (*p == '-') {
			p++;
			r = parse_cpu(&p, &b);
			if (r < 0)
				return r;
			if (b < a)
				return -EINVAL;
		}
		for (unsigned c = a; c <= b; c++)
			cpuset_set(&set, c);
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return -EINVAL;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	*ret = set;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int cpuset_parse_mask(const char *s, CpuSet *ret)
{
	CpuSet set;
	size_t n = strlen(s);
	unsigned bit = 0;

	cpuset_zero(&set);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return -EINVAL;
	/* Lowest CPUs are at the right end; commas separate 32-bit words. */
	for (size_t i = n; i > 0; i--) {
		char c = s[i - 1];
		int v;

		if (c == ',')
			continue;
		v = hexval(c);
		if (v < 0)
			return -EINVAL;
		for (int k = 0; k < 4; k++, bit++)
			if (v & (1 << k)) {
				if (bit >= CPUSET_MAX)
					return -ERANGE;
				cpuset_set(&set, bit);
			}
	}
	*ret = set;
	return 0;
}

int cpuset_format_list(const CpuSet *s, char **ret)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	bool first = true;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (int c = cpuset_first(s); c >= 0;) {
		int end = c;

		while (cpuset_isset(s, (unsigned)end + 1))
			end++;
		fprintf(f, first ? "%d" : ",%d", c);
		if (end > c)
			fprintf(f, "-%d", end);
		first = false;
		c = cpuset_next(s, end);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
