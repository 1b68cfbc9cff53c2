/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "basic/cpuset.h"
#include "basic/pci-addr.h"

/*
 * A PCI function's MSI/MSI-X vectors and the affinity of an irq:
 *   /sys/bus/pci/devices/<addr>/msi_irqs/<irq>   (one entry per vector)
 *   /proc/irq/<irq>/smp_affinity_list            (what was asked)
 *   /proc/irq/<irq>/effective_affinity_list      (where it really fires;
 *       since 4.15, only with CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK)
 */

/* Sorted ascending.  A function without MSI has no msi_irqs directory:
 * -ENOENT.  An empty directory gives n = 0 and a non-NULL array. */
int irq_pci_vectors(const PciAddr *pci, unsigned **ret, size_t *ret_n);
int irq_read_affinity(unsigned irq, CpuSet *ret);
int irq_read_effective_affinity(unsigned irq, CpuSet *ret);
/* The kernel's -errno: -EIO for a managed or per-CPU irq (or with
 * noirqaffinity), -EINVAL when no CPU of the set is online, -ENOENT for
 * an irq that does not exist.  An empty set is -EINVAL without writing. */
int irq_write_affinity(unsigned irq, const CpuSet *set);
/* Action names from the directories in /proc/irq/<irq>/ ("eth0-TxRx-0"),
 * joined with ","; NULL when none is registered. */
int irq_read_actions(unsigned irq, char **ret);
