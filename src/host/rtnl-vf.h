/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * VF attributes of a PF netdev over rtnetlink (IFLA_VFINFO_LIST), the
 * messages `ip link set PF vf N ...` sends, built and parsed with
 * libnl-route-3.  One socket (Rtnl) serves any number of calls.
 */

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

typedef struct Rtnl Rtnl;

int rtnl_open(Rtnl **ret);
void rtnl_close(Rtnl *r);
static inline void rtnl_closep(Rtnl **r)
{
	rtnl_close(*r);
}
#define _cleanup_rtnl_ __attribute__((cleanup(rtnl_closep)))

/* Every VF the kernel reports for ifname, sorted by index; *ret_n may be
 * 0.  -ENODEV when there is no such interface. */
int rtnl_vf_read(Rtnl *r, const char *ifname, VfConfig **ret, size_t *ret_n);

/*
 * Set the attributes in each want[i].mask.  All VFs go in one message;
 * if the kernel refuses it, each attribute is sent on its own so that the
 * refusal is pinned on the attribute that caused it.  Returns < 0 when
 * nothing could be tried (no socket, no interface), else the number of
 * refused attributes; ret_errors (n * _VF_ATTR_MAX ints, may be NULL)
 * then holds 0 or the kernel's -errno per VF and attribute, e.g.
 * -EOPNOTSUPP for a driver without ndo_set_vf_trust.
 */
int rtnl_vf_apply(Rtnl *r, const char *ifname, const VfConfig *want, size_t n, int *ret_errors);

/* IFF_UP of ifname, and setting it; *ret_changed tells whether it was down. */
int rtnl_link_is_up(Rtnl *r, const char *ifname, bool *ret);
int rtnl_link_set_up(Rtnl *r, const char *ifname, bool *ret_changed);
int rtnl_link_set_updown(Rtnl *r, const char *ifname, bool up, bool *ret_changed);

/* Exposed for tests and the fuzz harness: parse one RTM_NEWLINK message
 * (as the kernel sends in reply to RTM_GETLINK with RTEXT_FILTER_VF). */
int rtnl_vf_parse(const void *buf, size_t len, VfConfig **ret, size_t *ret_n);
/* Build the RTM_SETLINK request rtnl_vf_apply sends first, into a malloc'd
 * buffer (*ret_len bytes, sequence number 0). */
int rtnl_vf_build_request(int ifindex, const VfConfig *want, size_t n, void **ret, size_t *ret_len);
