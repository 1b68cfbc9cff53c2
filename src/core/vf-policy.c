/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "vf-policy.h"

VfConfig vf_policy_given(const VfConfig *policy)
{
	VfConfig c = *policy;

	c.index = 0;
	c.mask &= ~VF_ATTR_BIT(VF_ATTR_MAC);
	if (!(c.mask & VF_ATTR_BIT(VF_ATTR_VLAN))) {
		c.vlan = 0;
		c.qos = 0;
	}
	if (!(c.mask & VF_ATTR_BIT(VF_ATTR_MAX_RATE)))
		c.max_rate = 0;
	if (!(c.mask & VF_ATTR_BIT(VF_ATTR_MIN_RATE)))
		c.min_rate = 0;
	c.mask |= VF_ATTR_BIT(VF_ATTR_VLAN) | VF_ATTR_BIT(VF_ATTR_MAX_RATE) | VF_ATTR_BIT(VF_ATTR_MIN_RATE);
	return c;
}

uint64_t vf_policy_retry_delay_us(unsigned attempts)
{
	uint64_t d = VF_POLICY_RETRY_FIRST_US;

	for (unsigned i = 1; i < attempts && d < VF_POLICY_RETRY_MAX_US; i++)
		d *= 2;
	return d < VF_POLICY_RETRY_MAX_US ? d : VF_POLICY_RETRY_MAX_US;
}

/* Whether the VF's holder is a VM whose policy may be sent now. */
static bool holder_wants(const PlanInput *in, const PlanVf *vf)
{
	const PlanVm *vm;

	if (vf->use != PLAN_VF_OURS || vf->driver == PLAN_DRIVER_UNKNOWN || vf->vm < 0 || (size_t)vf->vm >= in->n_vms)
		return false;
	vm = &in->vms[vf->vm];
	return vm->unknown == PLAN_KNOWN && !vm->migrating && !vm->opted_out && !vm->vf_policy_refused &&
	       (vm->vf_policy.mask & ~VF_ATTR_BIT(VF_ATTR_MAC)) != 0;
}

int vf_policy_reapplies(const PlanInput *in, const VfConfig *const *live, const size_t *n_live, VfReapply **ret,
			size_t *ret_n)
{
	_cleanup_free_ VfReapply *out = NULL;
	size_t n = 0, cap = 0;

	for (size_t p = 0; p < in->n_pfs; p++) {
		const PlanPf *pf = &in->pfs[p];

		if (pf->unknown != PLAN_KNOWN || !live || !live[p])
			continue;
		for (size_t i = 0; i < pf->n_vfs; i++) {
			const PlanVf *vf = &pf->vfs[i];
			const VfConfig *have;
			VfConfig want;

			if (!holder_wants(in, vf))
				continue;
			have = vf_config_find(live[p], n_live[p], vf->index);
			want = in->vms[vf->vm].vf_policy;
			want.mask &= ~VF_ATTR_BIT(VF_ATTR_MAC);
			want.index = vf->index;
			if (!have || vf_config_satisfied(&want, have))
				continue;
			if (n == cap) {
				VfReapply *m = realloc(out, (cap = cap ? 2 * cap : 4) * sizeof(*out));

				if (!m)
					return -ENOMEM;
				out = m;
			}
			out[n++] = (VfReapply){ .vm = vf->vm, .pf = (int)p, .vf = vf->index, .want = want, .live = *have };
		}
	}
	*ret = n ? TAKE_PTR(out) : NULL;
	*ret_n = n;
	return 0;
}
