/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "model/vf-config.h"

/*
 * A running domain's VF policy: the <vf> child of its kvmnet metadata
 * element (virt/metadata.h; the schema in model/vf-policy.h).  No element,
 * or no <vf>: no policy (mask 0).  -EBADMSG for a <vf> that does not
 * parse, -ENOENT when the domain stopped, -errno when libvirt fails; on
 * any failure *ret_cause (if not NULL) says what failed, naming the
 * attribute for a policy that does not parse.
 */
int virt_domain_vf_policy(virConnectPtr c, const char *uuid, VfConfig *ret, char **ret_cause);
