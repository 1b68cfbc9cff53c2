/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "model/vf-config.h"

/*
 * A VM's VF policy, from the <vf> child of its kvmnet metadata element
 * (virt/metadata.h), every attribute optional:
 *
 *   <domain xmlns="http://kvmnet.org/xmlns/domain/1.0">
 *     <vf vlan="100" qos="3" spoofchk="off" trust="on" link-state="enable"
 *         max-rate="500" min-rate="100"/>
 *   </domain>
 *
 * vlan 0-4094 (0: untagged), qos 0-7 (only with a vlan), spoofchk and
 * trust on|off, link-state auto|enable|disable, rates in Mbit/s (0: no
 * limit; min-rate at most max-rate when both limit).  Numbers are decimal.
 * No <vf>: no policy (mask 0).  Pure: no I/O.
 */

/* The policy in *ret (index 0, MAC not in the mask); -EINVAL for XML that
 * does not parse, two <vf>, an unknown attribute or a value out of range,
 * with *ret_error (may be NULL) a sentence naming the attribute and what
 * was expected. */
int vf_policy_parse(const char *xml, VfConfig *ret, char **ret_error);
/* "vlan 100 qos 3, spoofchk off, max-rate 500": the mask's fields, for
 * logs and status; "none" for an empty mask. */
int vf_policy_format(const VfConfig *c, char **ret);
