/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/proc-stat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	ProcStat *p = NULL;

	if (!s)
		return 0;
	if (proc_stat_parse(s, &p) == 0) {
		/* A sample against itself: no time passed, or a percentage. */
		for (size_t i = 0; i < p->n_cpus; i++) {
			double pct;

			if (proc_stat_busy_percent(p, p, p->cpus[i].cpu, &pct) != -ENODATA)
				abort();
			if (cpu_times_busy_percent(&p->all, &p->cpus[i].t, &pct) == 0 && (pct < 0 || pct > 100))
				abort();
		}
		proc_stat_free(p);
	}
	free(s);
	return 0;
}
