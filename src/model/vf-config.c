/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "basic/macro.h"
#include "model/vf-config.h"

static const char *const attr_names[_VF_ATTR_MAX] = {
	[VF_ATTR_MAC] = "mac",
	[VF_ATTR_VLAN] = "vlan",
	[VF_ATTR_SPOOFCHK] = "spoofchk",
	[VF_ATTR_TRUST] = "trust",
	[VF_ATTR_LINK_STATE] = "state",
	[VF_ATTR_MIN_RATE] = "min-rate",
	[VF_ATTR_MAX_RATE] = "max-rate",
};

static const char *const link_state_names[] = {
	[VF_LINK_STATE_AUTO] = "auto",
	[VF_LINK_STATE_ENABLE] = "enable",
	[VF_LINK_STATE_DISABLE] = "disable",
};

const char *vf_attr_to_string(VfAttr a)
{
	return (unsigned)a < _VF_ATTR_MAX ? attr_names[a] : NULL;
}

const char *vf_link_state_to_string(uint32_t s)
{
	return s < ELEMENTSOF(link_state_names) ? link_state_names[s] : NULL;
}

int vf_link_state_from_string(const char *s, uint32_t *ret)
{
	for (uint32_t i = 0; s && i < ELEMENTSOF(link_state_names); i++)
		if (streq(s, link_state_names[i])) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

bool vf_config_satisfied(const VfConfig *want, const VfConfig *have)
{
	uint32_t m = want->mask;

	if (m & ~have->mask)
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_MAC)) && memcmp(want->mac, have->mac, sizeof(want->mac)) != 0)
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_VLAN)) && (want->vlan != have->vlan || want->qos != have->qos))
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_SPOOFCHK)) && want->spoofchk != have->spoofchk)
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_TRUST)) && want->trust != have->trust)
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_LINK_STATE)) && want->link_state != have->link_state)
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_MIN_RATE)) && want->min_rate != have->min_rate)
		return false;
	if ((m & VF_ATTR_BIT(VF_ATTR_MAX_RATE)) && want->max_rate != have->max_rate)
		return false;
	return true;
}

const VfConfig *vf_config_find(const VfConfig *v, size_t n, uint32_t index)
{
	for (size_t i = 0; v && i < n; i++)
		if (v[i].index == index)
			return &v[i];
	return NULL;
}
