/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "model/sriov-pf.h"

void sriov_pf_free(SriovPf *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->n_vfs; i++)
		free(pf->vf_addrs[i]);
	free(pf->vf_addrs);
	free(pf->addr);
	free(pf);
}
