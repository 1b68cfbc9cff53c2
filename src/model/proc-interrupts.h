/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * /proc/interrupts: a header naming the online CPUs ("CPU0 CPU1 ..."), then
 * one row per interrupt.  Numbered rows ("38:") carry per-CPU counts, the
 * irq chip, the hwirq and trigger type and the action names; named rows
 * ("NMI:", "LOC:", "ERR:") carry counts and a description.  Rows may have
 * fewer count columns than the header (ERR and MIS have one).
 */
typedef struct IrqRow {
	char *id;	    /* "38", "NMI" */
	int irq;	    /* the number for numbered rows, -1 for named ones */
	uint64_t *counts;   /* n_counts entries, column i is cpus[i] */
	size_t n_counts;
	uint64_t total;	    /* sum of counts (saturating) */
	char *chip;	    /* "PCI-MSIX-0000:00:03.0", NULL for named rows */
	char *hwirq;	    /* "1-edge" or "27 Level", may be NULL */
	char *actions;	    /* "virtio2-input.0"; for named rows the description */
} IrqRow;

typedef struct ProcInterrupts {
	unsigned *cpus;	    /* CPU number of each count column */
	size_t n_cpus;
	IrqRow *rows;
	size_t n_rows;
} ProcInterrupts;

/* Lines that are not rows are skipped; a text without a CPU header is
 * -EBADMSG. */
int proc_interrupts_parse(const char *text, ProcInterrupts **ret);
void proc_interrupts_free(ProcInterrupts *p);
/* The numbered row for irq, or NULL. */
const IrqRow *proc_interrupts_find(const ProcInterrupts *p, int irq);
/* The count of row on CPU cpu; 0 when that CPU has no column. */
uint64_t irq_row_count_on(const ProcInterrupts *p, const IrqRow *row, unsigned cpu);

static inline void proc_interrupts_freep(ProcInterrupts **p)
{
	proc_interrupts_free(*p);
}
#define _cleanup_proc_interrupts_ __attribute__((cleanup(proc_interrupts_freep)))
