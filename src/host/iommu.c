/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/strv.h"
#include "iommu.h"

static int count_entries(const char *dir)
{
	_cleanup_strv_free_ char **l = NULL;

	if (list_dir(dir, NULL, &l) < 0)
		return -1;
	return (int)strv_length(l);
}

void iommu_read(IommuInfo *ret)
{
	IommuInfo i = {
		/* The tables are root-only to read, but their names are not. */
		.acpi_dmar = access_root("/sys/firmware/acpi/tables/DMAR", F_OK) == 0,
		.acpi_ivrs = access_root("/sys/firmware/acpi/tables/IVRS", F_OK) == 0,
		.n_units = count_entries("/sys/class/iommu"),
		.n_groups = count_entries("/sys/kernel/iommu_groups"),
	};

	*ret = i;
}
