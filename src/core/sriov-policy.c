/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "sriov-policy.h"

void sriov_plan_done(SriovPlan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_blockers; i++) {
		free(p->blockers[i].pci_addr);
		free(p->blockers[i].holder);
	}
	free(p->blockers);
	p->blockers = NULL;
	p->n_blockers = 0;
}

bool sriov_driver_is_free(const char *driver)
{
	return isempty(driver) || streq(driver, "vfio-pci");
}

const char *sriov_plan_kind_to_string(SriovPlanKind k)
{
	static const char *const names[] = {
		[SRIOV_PLAN_NOTHING] = "nothing",
		[SRIOV_PLAN_CREATE] = "create",
		[SRIOV_PLAN_DESTROY] = "destroy",
		[SRIOV_PLAN_RECREATE] = "recreate",
	};

	return (unsigned)k < ELEMENTSOF(names) ? names[k] : NULL;
}

static const char *holder_of(const char *addr, const SriovHolder *holders, size_t n)
{
	for (size_t i = 0; addr && i < n; i++)
		if (holders[i].pci_addr && streq(holders[i].pci_addr, addr))
			return holders[i].domain;
	return NULL;
}

int sriov_check_rebind(const char *vf_addr, const SriovHolder *holders, size_t n_holders, const char **ret_holder)
{
	const char *h = holder_of(vf_addr, holders, n_holders);

	if (!h)
		return 0;
	if (ret_holder)
		*ret_holder = h;
	return -EBUSY;
}

/* Every VF in use: a VM's hold wins over the driver, since vfio-pci is
 * what a VM's VF is bound to and the VM is what matters to the user. */
static int collect_blockers(const SriovPfView *pf, const SriovHolder *holders, size_t n_holders, SriovPlan *p)
{
	p->blockers = calloc(pf->n_vfs ? pf->n_vfs : 1, sizeof(*p->blockers));
	if (!p->blockers)
		return -ENOMEM;
	for (size_t i = 0; i < pf->n_vfs; i++) {
		const SriovVfView *v = &pf->vfs[i];
		const char *dom = holder_of(v->pci_addr, holders, n_holders);
		SriovBlocker *b = &p->blockers[p->n_blockers];

		if (!dom && sriov_driver_is_free(v->driver))
			continue;
		b->vf_index = v->index;
		b->reason = dom ? SRIOV_BLOCK_VM : SRIOV_BLOCK_DRIVER;
		b->holder = strdup(dom ? dom : v->driver);
		b->pci_addr = v->pci_addr ? strdup(v->pci_addr) : NULL;
		p->n_blockers++;
		if (!b->holder || (v->pci_addr && !b->pci_addr))
			return -ENOMEM;
	}
	return 0;
}

int sriov_plan_numvfs(const SriovPfView *pf, const SriovHolder *holders, size_t n_holders, int want, bool force,
		      SriovPlan *ret)
{
	SriovPlan p = { .from = pf->numvfs, .to = want };
	int r;

	if (want < 0 || (pf->totalvfs >= 0 && want > pf->totalvfs))
		return -EINVAL;
	if (pf->numvfs < 0)
		return -ENODATA;
	if (want == pf->numvfs)
		p.kind = SRIOV_PLAN_NOTHING;
	else if (pf->numvfs == 0)
		p.kind = SRIOV_PLAN_CREATE;
	else if (want == 0)
		p.kind = SRIOV_PLAN_DESTROY;
	else
		p.kind = SRIOV_PLAN_RECREATE;
	/* Only destroying VFs can break anything. */
	if (p.kind == SRIOV_PLAN_DESTROY || p.kind == SRIOV_PLAN_RECREATE) {
		r = collect_blockers(pf, holders, n_holders, &p);
		if (r < 0) {
			sriov_plan_done(&p);
			return r;
		}
		p.refused = p.n_blockers > 0 && !force;
	}
	*ret = p;
	return 0;
}
