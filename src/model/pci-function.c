/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "basic/strv.h"
#include "model/pci-function.h"

void pci_function_free(PciFunction *f)
{
	if (!f)
		return;
	free(f->addr);
	free(f->vendor);
	free(f->device);
	free(f->class_id);
	free(f->driver);
	free(f->driver_override);
	strv_free(f->iommu_peers);
	free(f->link_speed);
	free(f->max_link_speed);
	strv_free(f->netdevs);
	free(f->physfn);
	free(f);
}
