/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "meminfo.h"

#define MEMINFO_MAX (64 * 1024)

enum { F_TOTAL, F_AVAIL, F_FREE, F_BUFFERS, F_CACHED, N_FIELDS };
static const char *const field_names[N_FIELDS] = { "MemTotal", "MemAvailable", "MemFree", "Buffers", "Cached" };

/* "MemTotal:       16384 kB" -> 16384; the kB unit is required. */
static int parse_kib(char *value, uint64_t *ret)
{
	char *v = strstrip(value);
	size_t n = strlen(v);

	if (n < 3 || !streq(v + n - 3, " kB"))
		return -EINVAL;
	v[n - 3] = 0;
	return parse_u64(strstrip(v), ret);
}

int meminfo_parse(const char *text, MemInfo *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	uint64_t f[N_FIELDS];
	unsigned seen = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = 0;
		for (unsigned i = 0; i < N_FIELDS; i++)
			if (!(seen & (1u << i)) && streq(line, field_names[i]) && parse_kib(colon + 1, &f[i]) == 0)
				seen |= 1u << i;
	}
	if (!(seen & (1u << F_TOTAL)) || f[F_TOTAL] == 0)
		return -EBADMSG;
	if (seen & (1u << F_AVAIL)) {
		/* No kernel says more is available than there is: a text that
		 * does is not /proc/meminfo, and its numbers are unknown. */
		if (f[F_AVAIL] > f[F_TOTAL])
			return -EBADMSG;
		*ret = (MemInfo){ .total_kib = f[F_TOTAL], .available_kib = f[F_AVAIL] };
		return 0;
	}
	if (!(seen & (1u << F_FREE)))
		return -EBADMSG;
	/* Before 3.14: free(1)'s old estimate, missing parts as 0. */
	f[F_AVAIL] = f[F_FREE];
	for (unsigned i = F_BUFFERS; i <= F_CACHED; i++)
		if (seen & (1u << i))
			f[F_AVAIL] = f[F_AVAIL] + f[i] < f[F_AVAIL] ? UINT64_MAX : f[F_AVAIL] + f[i];
	*ret = (MemInfo){ .total_kib = f[F_TOTAL],
			  .available_kib = f[F_AVAIL] < f[F_TOTAL] ? f[F_AVAIL] : f[F_TOTAL],
			  .estimated = true };
	return 0;
}

int meminfo_read(MemInfo *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file("/proc/meminfo", MEMINFO_MAX, &text, NULL);
	if (r < 0)
		return r;
	return meminfo_parse(text, ret);
}
