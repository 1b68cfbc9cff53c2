/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/sriov.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "core/vf-restore.h"
#include "daemon/revert-vfs.h"
#include "host/rtnl-vf.h"
#include "host/sriov.h"

static bool held(const Observation *o, const char *addr)
{
	for (size_t h = 0; h < o->n_holders; h++)
		if (o->holders[h].pci_addr && streq(o->holders[h].pci_addr, addr))
			return true;
	return false;
}

static int set_mac(Rtnl *rtnl, const char *ifname, unsigned index, const uint8_t mac[6])
{
	VfConfig want = { .index = index, .mask = VF_ATTR_BIT(VF_ATTR_MAC) };
	int r;

	memcpy(want.mac, mac, 6);
	r = rtnl_vf_apply_changes(rtnl, ifname, &want, 1, NULL, NULL);
	return r > 0 ? -EIO : r;
}

static int write_attr(const char *vf, const char *name, const char *value)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "/sys/bus/pci/devices/%s/%s", vf, name) < 0)
		return -ENOMEM;
	return sriov_sysfs_write(path, value);
}

/* Reads the VF now and applies what vf_restore_decide() says; 1 when the
 * VF is back as found (or gone), 0 when a domain holds it. */
static int restore_vf(const Observation *o, size_t p, const JournalVf *jv, Rtnl *rtnl, const VfConfig *macs,
		      size_t n_macs, const char **ret_step)
{
	const ObservedPf *pf = &o->pfs[p];
	_cleanup_free_ char *vf = NULL, *override = NULL, *driver = NULL;
	VfRestoreInput in = { .orig_override = jv->driver_override, .has_orig_mac = jv->has_mac,
			      .autoprobe = pf->autoprobe > 0 };
	VfRestore step;
	SriovOptions opts = { 0 };
	SriovReport rep = { 0 };
	int r;

	*ret_step = "reading it";
	r = sriov_vf_addr_now(pf->addr, (int)jv->index, &vf);
	if (r == -ENOENT)
		return 1;
	if (r >= 0)
		r = sriov_vf_override(vf, &override);
	if (r >= 0)
		r = sriov_vf_driver(vf, &driver);
	if (r < 0)
		return r;
	memcpy(in.orig_mac, jv->mac, 6);
	in.override = override;
	in.driver = driver;
	in.held = held(o, vf);
	for (size_t i = 0; i < n_macs; i++)
		if (macs[i].index == jv->index) {
			in.has_mac = true;
			memcpy(in.mac, macs[i].mac, 6);
		}
	vf_restore_decide(&in, &step);
	if (step.held)
		return 0;
	*ret_step = "setting its MAC";
	if (step.set_mac && (r = set_mac(rtnl, pf->ifname, jv->index, jv->mac)) < 0)
		return r;
	*ret_step = "unbinding it from vfio-pci";
	if (step.unbind) {
		r = sriov_vf_bind(pf->addr, (int)jv->index, SRIOV_BIND_NONE, o->holders, o->n_holders, &opts, &rep);
		sriov_report_done(&rep);
		if (r < 0)
			return r;
	}
	*ret_step = "writing its driver_override";
	if (step.set_override && (r = write_attr(vf, "driver_override", jv->driver_override ?: "\n")) < 0)
		return r;
	*ret_step = "probing its driver";
	if (step.probe && (r = sriov_sysfs_write("/sys/bus/pci/drivers_probe", vf)) < 0)
		return r;
	return 1;
}

static int revert_pf(const Observation *o, size_t p, const JournalPf *jp, Rtnl *rtnl, bool *ret_all)
{
	_cleanup_free_ VfConfig *macs = NULL;
	size_t n_macs = 0;
	int ret = 0;

	*ret_all = true;
	if (o->pfs[p].ifname && rtnl && rtnl_vf_read(rtnl, o->pfs[p].ifname, &macs, &n_macs) < 0)
		n_macs = 0;
	for (size_t i = 0; i < jp->n_vfs; i++) {
		const char *step = NULL;
		int r;

		if (jp->vfs[i].has_mac && (!o->pfs[p].ifname || !rtnl)) {
			log_error("Giving VF %u of %s its MAC back: no rtnetlink to its PF", jp->vfs[i].index,
				  o->pfs[p].name);
			*ret_all = false;
			ret = -EIO;
			continue;
		}
		r = restore_vf(o, p, &jp->vfs[i], rtnl, macs, n_macs, &step);
		if (r < 0) {
			log_error("Giving VF %u of %s back: %s: %s", jp->vfs[i].index, o->pfs[p].name, step,
				  strerror(-r));
			ret = -EIO;
		} else if (r == 0)
			log_warning("VF %u of %s is held by a running domain; not giving it back", jp->vfs[i].index,
				    o->pfs[p].name);
		else
			log_info("Gave VF %u of %s back as found", jp->vfs[i].index, o->pfs[p].name);
		*ret_all &= r > 0;
	}
	return ret;
}

int daemon_revert_vfs(Daemon *d, const Observation *o)
{
	_cleanup_rtnl_ Rtnl *rtnl = NULL;
	int ret = 0;

	(void)rtnl_open(&rtnl);
	for (size_t p = 0; p < o->n_pfs; p++) {
		const JournalPf *jp = journal_find_pf(d->ctx.journal, &o->plan_pfs[p].addr);
		bool all;

		/* A PF it split had its VFs destroyed when numvfs went back. */
		if (!jp || jp->numvfs_changed || jp->n_vfs == 0)
			continue;
		if (revert_pf(o, p, jp, rtnl, &all) < 0)
			ret = -EIO;
		if (all)
			journal_forget_pf(d->ctx.journal, &o->plan_pfs[p].addr);
	}
	return ret;
}
