/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One PCI function as /sys/bus/pci/devices/<addr>/ shows it.  Every field is
 * read on its own: a missing, empty or unreadable attribute leaves that
 * field "unknown" (NULL or -1) and never fails the whole read, since real
 * hosts lack attributes all the time (no IOMMU, no PCIe capability, VFs
 * without a link).
 */
typedef struct PciFunction {
	char *addr;	       /* "0000:03:00.0" */
	char *vendor, *device; /* "0x8086", "0x10c9" */
	char *class_id;	       /* "0x020000" */
	char *driver;	       /* bound driver, NULL when none */
	char *driver_override; /* NULL when none ("(null)" in sysfs) */
	int iommu_group;       /* -1 when the function has none */
	char **iommu_peers;    /* other functions in that group, sorted */
	int numa_node;	       /* -1 unknown or no NUMA */
	/* -1 / NULL unknown, also where the kernel says "Unknown" or x0 */
	int link_width, max_link_width;
	char *link_speed, *max_link_speed; /* "2.5 GT/s PCIe" */
	char **netdevs;			   /* names under net/ or virtioN/net/, sorted */
	char *physfn;			   /* for a VF: its PF's address */
	int vf_index;			   /* for a VF: N of the PF's virtfnN, else -1 */
} PciFunction;

void pci_function_free(PciFunction *f);
static inline void pci_function_freep(PciFunction **f)
{
	pci_function_free(*f);
}
#define _cleanup_pci_function_ __attribute__((cleanup(pci_function_freep)))
