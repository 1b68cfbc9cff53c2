/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "act/vf-policy.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/vf-release.h"
#include "host/rtnl-vf.h"

/* The PF (by address) when it and the VF are known and the VF is free. */
static const ObservedPf *free_vf_pf(const Observation *o, const PciAddr *pf, unsigned vf)
{
	for (size_t p = 0; p < o->n_pfs; p++) {
		if (o->plan_pfs[p].unknown != PLAN_KNOWN || !pci_addr_equal(&o->plan_pfs[p].addr, pf))
			continue;
		for (size_t k = 0; k < o->plan_pfs[p].n_vfs; k++) {
			const PlanVf *v = &o->pfs[p].vfs[k];

			if (v->index == vf)
				return v->use == PLAN_VF_FREE && v->driver != PLAN_DRIVER_UNKNOWN ? &o->pfs[p] : NULL;
		}
	}
	return NULL;
}

void vf_release_clear_mac(const Observation *o, const PciAddr *pf, unsigned vf)
{
	const ObservedPf *p = free_vf_pf(o, pf, vf);
	_cleanup_rtnl_ Rtnl *rtnl = NULL;
	_cleanup_free_ char *why = NULL;
	VfConfig want = { .index = vf, .mask = VF_ATTR_BIT(VF_ATTR_MAC) };
	int r;

	if (!p || !p->ifname)
		return;
	r = rtnl_open(&rtnl);
	if (r >= 0)
		r = act_vf_set(rtnl, p->ifname, &want, NULL, &why);
	if (r < 0)
		log_warning_errno(r, "Clearing the MAC of PF %s VF %u, given back: %s; the PF may still deliver its "
				  "frames to it", p->name, vf, why ? why : strerror(-r));
	else
		log_info("cleared the MAC of PF %s VF %u, given back", p->name, vf);
}
