/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/strv.h"
#include "iommu.h"

/* The number of entries of dir, or -errno. */
static int count_entries(const char *dir)
{
	_cleanup_strv_free_ char **l = NULL;
	int r = list_dir(dir, NULL, &l);

	return r < 0 ? r : (int)strv_length(l);
}

/* IommuInfo says -1 for a directory that cannot be listed. */
static int count_or_unknown(const char *dir)
{
	int n = count_entries(dir);

	return n < 0 ? -1 : n;
}

void iommu_read(IommuInfo *ret)
{
	IommuInfo i = {
		/* The tables are root-only to read, but their names are not. */
		.acpi_dmar = access_root("/sys/firmware/acpi/tables/DMAR", F_OK) == 0,
		.acpi_ivrs = access_root("/sys/firmware/acpi/tables/IVRS", F_OK) == 0,
		.n_units = count_or_unknown("/sys/class/iommu"),
		.n_groups = count_or_unknown("/sys/kernel/iommu_groups"),
	};

	*ret = i;
}
