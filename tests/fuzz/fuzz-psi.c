/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/meminfo.h"
#include "host/psi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Both /proc/pressure/memory and /proc/meminfo: the balloon reads one or
 * the other, and both must hold their promises on any text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	MemInfo m;
	Psi p;

	if (!s)
		return 0;
	if (psi_parse(s, &p) == 0) {
		if (!p.some.present || p.some.avg10 < 0 || p.some.avg10 > 100)
			abort();
		if (p.full.present && (p.full.avg300 < 0 || p.full.avg300 > 100))
			abort();
	}
	if (meminfo_parse(s, &m) == 0 && (m.total_kib == 0 || m.available_kib > m.total_kib))
		abort();
	free(s);
	return 0;
}
