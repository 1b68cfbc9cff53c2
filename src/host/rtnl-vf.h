/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/vf-config.h"

/*
 * VF attributes of a PF netdev over rtnetlink (IFLA_VFINFO_LIST), the
 * messages `ip link set PF vf N ...` sends, built and parsed with
 * libnl-route-3.  One socket (Rtnl) serves any number of calls.
 */

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
 * nothing could be tried (no socket, no interface) or when, after a
 * refusal, the VFs cannot be read back (what the kernel kept of the one
 * message is then unknown: its -errno, ret_errors all 0), else the number of
 * refused attributes; ret_errors (n * _VF_ATTR_MAX ints, may be NULL)
 * then holds 0 or the kernel's -errno per VF and attribute, e.g.
 * -EOPNOTSUPP for a driver without ndo_set_vf_trust.
 */
int rtnl_vf_apply(Rtnl *r, const char *ifname, const VfConfig *want, size_t n, int *ret_errors);

/* rtnl_vf_apply for what differs: the VFs are read first and attributes
 * that already hold are not sent, so asking for the current state sends
 * nothing.  ret_sent (n masks, may be NULL) tells what was sent per VF. */
int rtnl_vf_apply_changes(Rtnl *r, const char *ifname, const VfConfig *want, size_t n, int *ret_errors,
			  uint32_t *ret_sent);

/* The kernel's RTM_NEWLINK for ifname, VFs included, malloc'd (*ret_len
 * bytes): for readers of attributes rtnl_vf_read() does not carry, such
 * as host/rtnl-vf-stats.h. */
int rtnl_link_message(Rtnl *r, const char *ifname, void **ret, size_t *ret_len);
/* Bound each wait for the kernel's answer: a reply later than ms is
 * -EAGAIN.  Without it a call waits as long as the kernel takes. */
int rtnl_set_timeout(Rtnl *r, unsigned ms);

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
