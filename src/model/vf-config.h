/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The attributes of one VF as kvmnet wants or reads them, with no kernel
 * knowledge: host/rtnl-vf.h moves them over rtnetlink. */

typedef enum VfAttr {
	VF_ATTR_MAC,
	VF_ATTR_VLAN, /* VLAN id and QoS travel together */
	VF_ATTR_SPOOFCHK,
	VF_ATTR_TRUST,
	VF_ATTR_LINK_STATE,
	VF_ATTR_MIN_RATE,
	VF_ATTR_MAX_RATE,
	_VF_ATTR_MAX,
} VfAttr;

#define VF_ATTR_BIT(a) (1u << (a))
#define VF_ATTR_ALL ((1u << _VF_ATTR_MAX) - 1)

/* The kernel's IFLA_VF_LINK_STATE_* values. */
enum {
	VF_LINK_STATE_AUTO = 0,
	VF_LINK_STATE_ENABLE = 1,
	VF_LINK_STATE_DISABLE = 2,
};

/* One VF's attributes, wanted or as read; `mask` says which fields hold
 * a value (VF_ATTR_BIT).  Rates are in Mbit/s, 0 meaning no limit. */
typedef struct VfConfig {
	uint32_t index;
	uint32_t mask;
	uint8_t mac[6];
	uint16_t vlan; /* 0..4095, 0 = untagged */
	uint8_t qos;   /* 0..7 */
	bool spoofchk, trust;
	uint32_t link_state;
	uint32_t min_rate, max_rate;
} VfConfig;

/* "mac", "vlan", "spoofchk", "trust", "state", "min-rate", "max-rate". */
const char *vf_attr_to_string(VfAttr a);
const char *vf_link_state_to_string(uint32_t s);
/* "auto", "enable", "disable"; -EINVAL otherwise. */
int vf_link_state_from_string(const char *s, uint32_t *ret);
/* True when every attribute in want->mask holds the same value in have. */
bool vf_config_satisfied(const VfConfig *want, const VfConfig *have);
/* The VF of that index among n read from a PF; NULL when it is not there. */
const VfConfig *vf_config_find(const VfConfig *v, size_t n, uint32_t index);

