/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/deadline.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/pci-addr.h"
#include "basic/strv.h"
#include "act/sriov.h"
#include "host/pci.h"

#define DEFAULT_TIMEOUT_MS 5000

#define PCI_DEVICES "/sys/bus/pci/devices"

void sriov_report_done(SriovReport *r)
{
	if (!r)
		return;
	strv_free(r->done);
	strv_free(r->undone);
	free(r->failed);
	*r = (SriovReport){};
}

_printf_(3, 4) static void report_line(SriovReport *rep, char ***l, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	if (!rep)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	/* A report line lost to ENOMEM is not worth failing a change for. */
	if (n >= 0 && strv_push(l, s) < 0)
		free(s);
}

#define report_done(rep, ...) report_line((rep), (rep) ? &(rep)->done : NULL, __VA_ARGS__)
#define report_undone(rep, ...) report_line((rep), (rep) ? &(rep)->undone : NULL, __VA_ARGS__)

/* The first failure is the one to tell; later ones come from it. */
_printf_(2, 3) static void report_failure(SriovReport *rep, const char *fmt, ...)
{
	va_list ap;

	if (!rep || rep->failed)
		return;
	va_start(ap, fmt);
	if (vasprintf(&rep->failed, fmt, ap) < 0)
		rep->failed = NULL;
	va_end(ap);
}

static void report_failed(SriovReport *rep, const char *what, int error)
{
	report_failure(rep, "%s: %s", what, strerror(-error));
}

static int pf_write(const char *pf, const char *name, int value, SriovReport *rep)
{
	_cleanup_free_ char *path = NULL;
	char buf[16];
	int r;

	if (asprintf(&path, PCI_DEVICES "/%s/%s", pf, name) < 0)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "%d", value);
	r = sriov_sysfs_write(path, buf);
	if (r < 0)
		report_failed(rep, path, r);
	return r;
}

/* The view the policy needs; strings stay owned by pf and drivers. */
static int build_view(const SriovPf *pf, char ***drivers, SriovVfView **ret_vfs)
{
	_cleanup_free_ SriovVfView *vfs = calloc(pf->n_vfs ? pf->n_vfs : 1, sizeof(*vfs));
	char **drv = calloc(pf->n_vfs + 1, sizeof(char *));

	if (!vfs || !drv) {
		free(drv);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pf->n_vfs; i++) {
		vfs[i].index = (int)i;
		vfs[i].pci_addr = pf->vf_addrs[i];
		/* A driver link that cannot be read is no view: the policy
		 * would take it for a free VF. */
		if (pf->vf_addrs[i]) {
			int r = sriov_vf_driver(pf->vf_addrs[i], &drv[i]);

			if (r < 0) {
				/* Slots may be NULL: not a strv. */
				for (size_t k = 0; k < i; k++)
					free(drv[k]);
				free(drv);
				return r;
			}
		}
		vfs[i].driver = drv[i];
	}
	*drivers = drv;
	*ret_vfs = TAKE_PTR(vfs);
	return 0;
}

static void free_drivers(char **drv, size_t n)
{
	for (size_t i = 0; drv && i < n; i++)
		free(drv[i]);
	free(drv);
}

typedef struct Undo {
	int autoprobe; /* value to restore, -1 when untouched */
	char *link_up; /* netdev brought up here, to put down again */
	int numvfs;    /* count to restore, -1 when untouched */
} Undo;

static void undo_run(const char *pf, Undo *u, const SriovOptions *o, SriovReport *rep)
{
	if (u->numvfs > 0) {
		if (pf_write(pf, "sriov_numvfs", u->numvfs, NULL) == 0)
			report_undone(rep, "sriov_numvfs restored to %d (VF attributes and bindings are not)", u->numvfs);
		else
			report_undone(rep, "sriov_numvfs could NOT be restored to %d", u->numvfs);
	}
	if (u->link_up && o->rtnl) {
		if (rtnl_link_set_updown(o->rtnl, u->link_up, false, NULL) == 0)
			report_undone(rep, "%s set down again", u->link_up);
		else
			report_undone(rep, "%s could NOT be set down again", u->link_up);
	}
	if (u->autoprobe >= 0) {
		if (pf_write(pf, "sriov_drivers_autoprobe", u->autoprobe, NULL) == 0)
			report_undone(rep, "sriov_drivers_autoprobe restored to %d", u->autoprobe);
		else
			report_undone(rep, "sriov_drivers_autoprobe could NOT be restored to %d", u->autoprobe);
	}
	free(u->link_up);
	u->link_up = NULL;
}

/* Autoprobe off and the PF up, before VFs are created. */
static int prepare_create(const SriovPf *pf, const SriovOptions *o, Undo *u, SriovReport *rep)
{
	_cleanup_free_ char *ifname = NULL;
	bool changed = false;
	int r;

	if (pf->drivers_autoprobe != 0) {
		r = pf_write(pf->addr, "sriov_drivers_autoprobe", 0, rep);
		if (r < 0)
			return r;
		u->autoprobe = pf->drivers_autoprobe < 0 ? 1 : pf->drivers_autoprobe;
		report_done(rep, "sriov_drivers_autoprobe: %d -> 0", u->autoprobe);
	}
	ifname = sriov_pf_netdev(pf->addr);
	if (!o->rtnl || !ifname)
		return 0;
	/* libvirt refuses a VF whose PF is down ("PF is not online"). */
	r = rtnl_link_set_up(o->rtnl, ifname, &changed);
	if (r < 0) {
		report_failed(rep, ifname, r);
		return r;
	}
	if (changed) {
		report_done(rep, "%s set up", ifname);
		u->link_up = TAKE_PTR(ifname);
	}
	return 0;
}

static int apply_numvfs(const SriovPf *pf, const SriovPlan *plan, const SriovOptions *o, SriovReport *rep)
{
	Undo u = { .autoprobe = -1, .numvfs = -1 };
	int r;

	if (plan->to > 0) {
		r = prepare_create(pf, o, &u, rep);
		if (r < 0)
			goto fail;
	}
	if (plan->from > 0) {
		r = pf_write(pf->addr, "sriov_numvfs", 0, rep);
		if (r < 0)
			goto fail;
		report_done(rep, "sriov_numvfs: %d -> 0", plan->from);
		u.numvfs = plan->from;
	}
	if (plan->to > 0) {
		r = pf_write(pf->addr, "sriov_numvfs", plan->to, rep);
		if (r < 0)
			goto fail;
		report_done(rep, "sriov_numvfs: 0 -> %d", plan->to);
	}
	free(u.link_up);
	return 0;
fail:
	undo_run(pf->addr, &u, o, rep);
	return r;
}

static int plan_for(const SriovPf *pf, int want, const SriovHolder *holders, size_t n_holders, bool force,
		    SriovPlan *ret)
{
	_cleanup_free_ SriovVfView *vfs = NULL;
	char **drivers = NULL;
	SriovPfView view;
	int r;

	r = build_view(pf, &drivers, &vfs);
	if (r < 0)
		return r;
	view = (SriovPfView){ pf->totalvfs, pf->numvfs, vfs, pf->n_vfs };
	r = sriov_plan_numvfs(&view, holders, n_holders, want, force, ret);
	free_drivers(drivers, pf->n_vfs);
	return r;
}

int sriov_plan_change(const char *pf_addr, int want, const SriovHolder *holders, size_t n_holders, bool force,
		      SriovPlan *ret)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	int r;

	r = sriov_pf_read(pf_addr, &pf);
	if (r < 0)
		return r;
	return plan_for(pf, want, holders, n_holders, force, ret);
}

static int set_numvfs(const char *pf_addr, int want, bool reset, const SriovHolder *holders, size_t n_holders,
		      const SriovOptions *o, SriovPlan *ret_plan, SriovReport *rep)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	SriovPlan plan = {};
	int r;

	r = sriov_pf_read(pf_addr, &pf);
	if (r < 0)
		return r;
	r = plan_for(pf, want, holders, n_holders, o->force, &plan);
	if (r < 0)
		return r;
	if (plan.refused)
		r = -EBUSY;
	else if (plan.kind != SRIOV_PLAN_NOTHING)
		r = apply_numvfs(pf, &plan, o, rep);
	/* reset also hands VF creation back to the host drivers. */
	if (r == 0 && reset && pf->drivers_autoprobe == 0) {
		r = pf_write(pf->addr, "sriov_drivers_autoprobe", 1, rep);
		if (r == 0)
			report_done(rep, "sriov_drivers_autoprobe: 0 -> 1");
	}
	if (ret_plan && (r == 0 || r == -EBUSY))
		*ret_plan = plan;
	else
		sriov_plan_done(&plan);
	return r;
}

int sriov_set_numvfs(const char *pf_addr, int want, const SriovHolder *holders, size_t n_holders,
		     const SriovOptions *opts, SriovPlan *ret_plan, SriovReport *report)
{
	return set_numvfs(pf_addr, want, false, holders, n_holders, opts, ret_plan, report);
}

int sriov_reset(const char *pf_addr, const SriovHolder *holders, size_t n_holders, const SriovOptions *opts,
		SriovPlan *ret_plan, SriovReport *report)
{
	return set_numvfs(pf_addr, 0, true, holders, n_holders, opts, ret_plan, report);
}

int sriov_set_autoprobe(const char *pf_addr, bool on, SriovReport *report)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	int r;

	r = sriov_pf_read(pf_addr, &pf);
	if (r < 0)
		return r;
	if (pf->drivers_autoprobe == (int)on)
		return 0;
	r = pf_write(pf->addr, "sriov_drivers_autoprobe", on, report);
	if (r == 0)
		report_done(report, "sriov_drivers_autoprobe: %d -> %d", pf->drivers_autoprobe, on);
	return r;
}

/* ---- Binding ------------------------------------------------------------ */

static const char *const bind_names[_SRIOV_BIND_MAX] = {
	[SRIOV_BIND_VFIO] = "vfio-pci",
	[SRIOV_BIND_HOST] = "host",
	[SRIOV_BIND_NONE] = "none",
};

const char *sriov_bind_target_to_string(SriovBindTarget t)
{
	return (unsigned)t < _SRIOV_BIND_MAX ? bind_names[t] : NULL;
}

int sriov_bind_target_from_string(const char *s, SriovBindTarget *ret)
{
	for (int i = 0; s && i < _SRIOV_BIND_MAX; i++)
		if (streq(s, bind_names[i])) {
			*ret = (SriovBindTarget)i;
			return 0;
		}
	return -EINVAL;
}

const char *sriov_vf_driver_for(const char *pf_driver)
{
	static const char *const map[][2] = {
		{ "igb", "igbvf" },	    { "ixgbe", "ixgbevf" }, { "i40e", "iavf" },
		{ "ice", "iavf" },	    { "bnxt_en", "bnxt_en" }, { "mlx5_core", "mlx5_core" },
		{ "qede", "qede" },	    { "be2net", "be2net" }, { "enic", "enic" },
		{ "cxgb4", "cxgb4vf" },	    { "qlcnic", "qlcnic" }, { "sfc", "sfc" },
	};

	for (size_t i = 0; pf_driver && i < ELEMENTSOF(map); i++)
		if (streq(pf_driver, map[i][0]))
			return map[i][1];
	return NULL;
}

/* Poll the VF's driver link until it is `want` (NULL: no driver; "*": any
 * driver but vfio-pci) or the time is up. */
static int wait_driver(const char *vf, const char *want, unsigned timeout_ms)
{
	uint64_t end = now_monotonic_us() + (uint64_t)timeout_ms * 1000;

	for (;;) {
		_cleanup_free_ char *drv = NULL;
		bool ok;

		/* Unreadable is not "unbound": keep waiting. */
		if (sriov_vf_driver(vf, &drv) < 0)
			ok = false;
		else if (!want)
			ok = !drv;
		else if (streq(want, "*"))
			ok = drv && !streq(drv, "vfio-pci");
		else
			ok = drv && streq(drv, want);
		if (ok)
			return 0;
		if (now_monotonic_us() >= end)
			return -ETIMEDOUT;
		(void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

static int vf_attr_write(const char *dir, const char *vf, const char *name, const char *value, SriovReport *rep)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (asprintf(&path, "%s/%s%s%s", dir, vf ? vf : "", vf ? "/" : "", name) < 0)
		return -ENOMEM;
	r = sriov_sysfs_write(path, value);
	if (r < 0)
		report_failed(rep, path, r);
	return r;
}

static int set_override(const char *vf, const char *drv, SriovReport *rep)
{
	/* A lone newline clears the override (the kernel strips it, and an
	 * empty store is a no-op). */
	return vf_attr_write(PCI_DEVICES, vf, "driver_override", drv ? drv : "\n", rep);
}

static int unbind(const char *vf, const char *drv, unsigned timeout_ms, SriovReport *rep)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (asprintf(&dir, "/sys/bus/pci/drivers/%s", drv) < 0)
		return -ENOMEM;
	r = vf_attr_write(dir, NULL, "unbind", vf, rep);
	if (r < 0)
		return r;
	r = wait_driver(vf, NULL, timeout_ms);
	if (r < 0)
		report_failed(rep, "waiting for the unbind", r);
	else
		report_done(rep, "%s unbound from %s", vf, drv);
	return r;
}

static int probe(const char *vf, const char *want, unsigned timeout_ms, SriovReport *rep)
{
	int r;

	r = vf_attr_write("/sys/bus/pci", NULL, "drivers_probe", vf, rep);
	if (r < 0)
		return r;
	r = wait_driver(vf, want, timeout_ms);
	if (r < 0)
		report_failed(rep, streq(want, "*") ? "waiting for a host driver to claim the VF"
						    : "waiting for vfio-pci to claim the VF",
			      r);
	else
		report_done(rep, "%s probed", vf);
	return r;
}

static bool bind_holds(SriovBindTarget t, const char *drv)
{
	switch (t) {
	case SRIOV_BIND_VFIO:
		return drv && streq(drv, "vfio-pci");
	case SRIOV_BIND_HOST:
		return drv && !streq(drv, "vfio-pci");
	default:
		return !drv;
	}
}

/* Put the override back and, if the VF lost its driver, let the kernel
 * bind the old one again. */
static void bind_undo(const char *vf, const char *old_override, bool override_changed, const char *old_drv,
		      unsigned timeout_ms, SriovReport *rep)
{
	_cleanup_free_ char *drv = NULL;

	if (override_changed) {
		if (set_override(vf, old_override, NULL) == 0)
			report_undone(rep, "%s driver_override restored to %s", vf, old_override ?: "(none)");
		else
			report_undone(rep, "%s driver_override could NOT be restored", vf);
	}
	if (sriov_vf_driver(vf, &drv) < 0) {
		report_undone(rep, "%s driver unreadable; could NOT check that %s is bound again", vf,
			      old_drv ?: "(none)");
		return;
	}
	if (!old_drv || (drv && streq(drv, old_drv)))
		return;
	if (vf_attr_write("/sys/bus/pci", NULL, "drivers_probe", vf, NULL) == 0 &&
	    wait_driver(vf, old_drv, timeout_ms) == 0)
		report_undone(rep, "%s bound to %s again", vf, old_drv);
	else
		report_undone(rep, "%s could NOT be bound to %s again", vf, old_drv);
}

/* host_override: the host VF driver to name in driver_override for
 * SRIOV_BIND_HOST, or NULL to let the kernel match by id. */
static int rebind(const char *vf, SriovBindTarget t, const char *host_override, const char *old_drv,
		  unsigned timeout_ms, SriovReport *rep)
{
	_cleanup_free_ char *old_override = NULL;
	const char *want_override = t == SRIOV_BIND_VFIO ? "vfio-pci" : t == SRIOV_BIND_HOST ? host_override : NULL;
	bool changed = false;
	int r;

	/* Without the old override there is nothing to undo to: no change. */
	r = sriov_vf_override(vf, &old_override);
	if (r < 0) {
		report_failure(rep, "%s: reading driver_override: %s", vf, strerror(-r));
		return r;
	}
	if (!streq(old_override ?: "", want_override ?: "")) {
		r = set_override(vf, want_override, rep);
		if (r < 0)
			return r;
		changed = true;
		report_done(rep, "%s driver_override: %s -> %s", vf, old_override ?: "(none)", want_override ?: "(none)");
	}
	if (old_drv)
		r = unbind(vf, old_drv, timeout_ms, rep);
	if (r == 0 && t != SRIOV_BIND_NONE)
		r = probe(vf, t == SRIOV_BIND_VFIO ? "vfio-pci" : "*", timeout_ms, rep);
	if (r < 0)
		bind_undo(vf, old_override, changed, old_drv, timeout_ms, rep);
	return r;
}

int sriov_vf_bind(const char *pf_addr, int index, SriovBindTarget target, const SriovHolder *holders,
		  size_t n_holders, const SriovOptions *opts, SriovReport *rep)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	_cleanup_free_ char *drv = NULL;
	unsigned timeout = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	const char *vf, *vm = NULL, *host = NULL;
	int r;

	if ((unsigned)target >= _SRIOV_BIND_MAX)
		return -EINVAL;
	r = sriov_pf_read(pf_addr, &pf);
	if (r < 0)
		return r;
	if (index < 0 || (size_t)index >= pf->n_vfs || !pf->vf_addrs[index])
		return -ENOENT;
	vf = pf->vf_addrs[index];
	r = sriov_vf_driver(vf, &drv);
	if (r < 0) {
		report_failure(rep, "VF %d (%s): reading its driver link: %s", index, vf, strerror(-r));
		return r;
	}
	if (bind_holds(target, drv))
		return 0;
	/* Unbinding vfio-pci under a running VM blocks in the kernel until
	 * the VM lets go; refuse rather than hang. */
	if (sriov_check_rebind(vf, holders, n_holders, &vm) < 0 && !opts->force) {
		report_failure(rep, "VF %d (%s) is held by running VM '%s'", index, vf, vm);
		return -EBUSY;
	}
	if (target == SRIOV_BIND_VFIO && !pci_driver_registered("vfio-pci")) {
		report_failure(rep, "the vfio-pci driver is not loaded (modprobe vfio-pci)");
		return -ENODEV;
	}
	/* With sriov_drivers_autoprobe 0 the kernel probes a VF only when its
	 * driver_override names a driver (pci_device_can_probe()), so going
	 * back to the host driver means naming it. */
	if (target == SRIOV_BIND_HOST && pf->drivers_autoprobe == 0) {
		_cleanup_free_ char *pf_drv = NULL;

		r = sriov_vf_driver(pf->addr, &pf_drv);
		if (r < 0) {
			report_failure(rep, "PF %s: reading its driver link: %s", pf->addr, strerror(-r));
			return r;
		}
		host = sriov_vf_driver_for(pf_drv);
		if (!host) {
			report_failure(rep, "sriov_drivers_autoprobe is 0 and the host VF driver of PF driver '%s' is "
					    "unknown; set autoprobe to 1 first",
				       pf_drv ?: "(none)");
			return -ENOPKG;
		}
	}
	return rebind(vf, target, host, drv, timeout, rep);
}

int sriov_vf_addr_now(const char *pf_addr, int index, char **ret)
{
	_cleanup_sriov_pf_ SriovPf *sp = NULL;
	char *s;
	int r;

	r = sriov_pf_read(pf_addr, &sp);
	if (r < 0)
		return r;
	if (index < 0 || (size_t)index >= sp->n_vfs || !sp->vf_addrs[index])
		return -ENOENT;
	s = strdup(sp->vf_addrs[index]);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}
