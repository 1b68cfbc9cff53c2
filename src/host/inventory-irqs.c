/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The interrupt source of the inventory: each NIC's and VF's MSI/MSI-X
 * vectors (msi_irqs/), their per-CPU counts (/proc/interrupts) and their
 * affinity (/proc/irq/N/).
 */
#include <stdlib.h>
#include <string.h>

#include "basic/cpuset.h"
#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "host/inventory.h"
#include "host/irq.h"
#include "model/proc-interrupts.h"
#include "host/procfs.h"

static void inv_irq_clear(InvIrq *v)
{
	free(v->name);
	free(v->counts);
	free(v->affinity);
	free(v->effective_affinity);
}

static char *affinity_string(unsigned irq, int (*reader)(unsigned, CpuSet *))
{
	CpuSet set;
	char *s = NULL;

	if (reader(irq, &set) < 0 || cpuset_format_list(&set, &s) < 0)
		return NULL;
	return s;
}

/* One vector; unknown pieces stay NULL / empty.  Only -ENOMEM fails. */
static int read_vector(const ProcInterrupts *pi, unsigned irq, InvIrq *ret)
{
	const IrqRow *row = pi ? proc_interrupts_find(pi, (int)irq) : NULL;
	InvIrq v = { .irq = irq };

	if (row && row->actions)
		v.name = strdup(row->actions);
	else
		(void)irq_read_actions(irq, &v.name);
	if (row && row->n_counts > 0) {
		v.counts = calloc(row->n_counts, sizeof(InvIrqCount));
		if (!v.counts) {
			inv_irq_clear(&v);
			return -ENOMEM;
		}
		for (size_t i = 0; i < row->n_counts && i < pi->n_cpus; i++)
			v.counts[v.n_counts++] = (InvIrqCount){ .cpu = pi->cpus[i], .count = row->counts[i] };
	}
	v.affinity = affinity_string(irq, irq_read_affinity);
	v.effective_affinity = affinity_string(irq, irq_read_effective_affinity);
	*ret = v;
	return 0;
}

static int fill_function(Inventory *inv, const ProcInterrupts *pi, const char *addr)
{
	_cleanup_free_ unsigned *vectors = NULL;
	InvIrq *irqs = NULL;
	size_t n = 0, done = 0;
	PciAddr pci;
	int r;

	if (pci_addr_parse(addr, &pci) < 0)
		return 0;
	r = irq_pci_vectors(&pci, &vectors, &n);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		n = 0; /* no msi_irqs/: no MSI vectors (legacy INTx or none) */
	if (n > 0) {
		irqs = calloc(n, sizeof(InvIrq));
		if (!irqs)
			return -ENOMEM;
	}
	for (; done < n; done++) {
		r = read_vector(pi, vectors[done], &irqs[done]);
		if (r < 0)
			break;
	}
	if (done == n)
		r = inventory_set_irqs(inv, addr, irqs, n);
	for (size_t i = 0; i < done; i++)
		inv_irq_clear(&irqs[i]);
	free(irqs);
	return r == -ENOENT ? 0 : r;
}

int inventory_fill_irqs(Inventory *inv, const InventoryOptions *opts, char **ret_reason)
{
	ProcInterrupts *pi = NULL;
	int r = 0;

	/* Without /proc/interrupts the vectors and their affinity are still
	 * worth showing; only the counts go unknown. */
	(void)proc_interrupts_read(&pi);
	for (size_t i = 0; i < inv->n_nics && r >= 0; i++) {
		InvNic *nic = &inv->nics[i];

		if (nic->pci)
			r = fill_function(inv, pi, nic->pci->addr);
		for (size_t k = 0; k < nic->n_vfs && r >= 0; k++)
			if (nic->vfs[k].addr)
				r = fill_function(inv, pi, nic->vfs[k].addr);
	}
	proc_interrupts_free(pi);
	if (r < 0 && ret_reason)
		*ret_reason = strdup("out of memory reading interrupt vectors");
	return r;
}
