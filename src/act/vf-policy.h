/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "host/rtnl-vf.h"
#include "model/vf-config.h"

/*
 * A VF's MAC and policy set on its PF, all or nothing: the attributes are
 * read first; when the NIC refuses one (igb has no min-rate: EINVAL) or
 * does not keep what it accepted, the attributes it took are set back to
 * what was read and the VF is read back to check, so that no VF is left
 * configured half.
 */
typedef struct VfSetResult {
	bool refused;	/* the NIC refused (attr, error); the VF is as it was */
	bool half;	/* setting back failed too: the VF is configured half */
	VfAttr attr;	/* the first attribute refused, when refused */
	int error;	/* the kernel's -errno for it, -EIO when it was not kept */
	uint32_t sent;	/* the attributes that differed and were sent */
} VfSetResult;

/* 0 when every attribute in want->mask holds, read back.  Otherwise
 * -errno (the refusal's, or the I/O failure's), with *ret (may be NULL)
 * saying what happened, and *ret_error a sentence for the log. */
int act_vf_set(Rtnl *r, const char *ifname, const VfConfig *want, VfSetResult *ret, char **ret_error);
