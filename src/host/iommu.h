/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * Whether the host has an IOMMU, as firmware and kernel show it: the ACPI
 * table that describes it (DMAR for Intel VT-d, IVRS for AMD-Vi) under
 * /sys/firmware/acpi/tables, the units the kernel brought up under
 * /sys/class/iommu, and the groups under /sys/kernel/iommu_groups.
 */
typedef struct IommuInfo {
	bool acpi_dmar;
	bool acpi_ivrs;
	int n_units;  /* entries of /sys/class/iommu; -1 when the class is missing */
	int n_groups; /* entries of /sys/kernel/iommu_groups; -1 when missing */
} IommuInfo;

/* Never fails: what cannot be read is reported absent or -1. */
void iommu_read(IommuInfo *ret);
