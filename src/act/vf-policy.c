/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/vf-policy.h"
#include "basic/macro.h"

static int read_one(Rtnl *r, const char *ifname, uint32_t index, VfConfig *ret)
{
	_cleanup_free_ VfConfig *all = NULL;
	const VfConfig *one;
	size_t n = 0;
	int e = rtnl_vf_read(r, ifname, &all, &n);

	if (e < 0)
		return e;
	one = vf_config_find(all, n, index);
	if (!one)
		return -ENOENT;
	*ret = *one;
	return 0;
}

/* Send back what was read for the attributes sent; true when the VF
 * reads back as it was. */
static bool set_back(Rtnl *r, const char *ifname, const VfConfig *before, uint32_t sent)
{
	VfConfig orig = *before, now;

	orig.mask &= sent;
	if (!orig.mask)
		return true;
	if (rtnl_vf_apply_changes(r, ifname, &orig, 1, NULL, NULL) < 0)
		return false;
	return read_one(r, ifname, orig.index, &now) >= 0 && vf_config_satisfied(&orig, &now);
}

static int say(char **ret_error, int e, const char *what, const char *ifname, uint32_t vf)
{
	if (ret_error && asprintf(ret_error, "%s VF %u of %s: %s", what, vf, ifname, strerror(-e)) < 0)
		*ret_error = NULL;
	return e;
}

/* The first attribute refused, from rtnl_vf_apply_changes()'s errors. */
static VfAttr first_refused(const int *err, int *ret_e)
{
	for (VfAttr a = 0; a < _VF_ATTR_MAX; a++)
		if (err[a]) {
			*ret_e = err[a];
			return a;
		}
	*ret_e = -EIO;
	return VF_ATTR_MAC;
}

/* Which attribute of want does not read back in have. */
static VfAttr first_unkept(const VfConfig *want, const VfConfig *have)
{
	for (VfAttr a = 0; a < _VF_ATTR_MAX; a++) {
		VfConfig one = *want;

		one.mask &= VF_ATTR_BIT(a);
		if (one.mask && !vf_config_satisfied(&one, have))
			return a;
	}
	return VF_ATTR_MAC;
}

int act_vf_set(Rtnl *r, const char *ifname, const VfConfig *want, VfSetResult *ret, char **ret_error)
{
	VfSetResult res = {};
	VfConfig before, now;
	int err[_VF_ATTR_MAX] = { 0 }, e;

	e = read_one(r, ifname, want->index, &before);
	if (e < 0)
		return say(ret_error, e, "reading", ifname, want->index);
	e = rtnl_vf_apply_changes(r, ifname, want, 1, err, &res.sent);
	if (e < 0) {
		/* What the kernel kept is unknown: set back what can be. */
		res.half = !set_back(r, ifname, &before, res.sent ? res.sent : want->mask);
		if (ret)
			*ret = res;
		return say(ret_error, e, res.half ? "setting (then setting back) the attributes of" : "setting the attributes of",
			   ifname, want->index);
	}
	if (e > 0)
		res.attr = first_refused(err, &res.error);
	else if (read_one(r, ifname, want->index, &now) < 0 || !vf_config_satisfied(want, &now)) {
		res.attr = first_unkept(want, &now);
		res.error = -EIO;
	} else {
		if (ret)
			*ret = res;
		return 0;
	}
	res.refused = true;
	res.half = !set_back(r, ifname, &before, res.sent);
	if (ret)
		*ret = res;
	if (ret_error &&
	    asprintf(ret_error, "the NIC refused %s on VF %u of %s: %s%s", vf_attr_to_string(res.attr), want->index,
		     ifname, strerror(-res.error),
		     res.half ? "; setting the VF back failed too: it is configured half" : "; the VF was set back") < 0)
		*ret_error = NULL;
	return res.error;
}
