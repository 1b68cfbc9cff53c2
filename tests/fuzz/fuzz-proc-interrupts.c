/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/proc-interrupts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	ProcInterrupts *p = NULL;

	if (!s)
		return 0;
	if (proc_interrupts_parse(s, &p) == 0) {
		/* Every row must stay inside the header's columns. */
		for (size_t i = 0; i < p->n_rows; i++) {
			if (p->rows[i].n_counts > p->n_cpus)
				abort();
			(void)irq_row_count_on(p, &p->rows[i], 0);
			if (p->rows[i].irq >= 0 && !proc_interrupts_find(p, p->rows[i].irq))
				abort();
		}
		proc_interrupts_free(p);
	}
	free(s);
	return 0;
}
