/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl sriov persist|restore|unpersist */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/ether-addr.h"
#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"
#include "model/sriov-persist.h"
#include "host/netdev.h"
#include "build-config.h"
#include "host/file-trust.h"
#include "host/pci.h"
#include "host/persist-files.h"
#include "pf-util.h"

#define STATE_DIR "/etc/kvmnet/sriov.d"
#define UNIT_NAME "kvmnet-sriov.service"
#define UNIT_PATH "/etc/systemd/system/" UNIT_NAME
#define WANTS_PATH "/etc/systemd/system/multi-user.target.wants/" UNIT_NAME

/* What the kernel reports, as a "vf N ..." line wants it. */
static int vf_state(const char *vf_addr, const VfConfig *attrs, uint32_t index, PersistVf *ret)
{
	_cleanup_pci_function_ PciFunction *f = NULL;
	PersistVf v = { .attrs = { .index = index } };

	if (attrs) {
		v.attrs = *attrs;
		/* An all-zero MAC means "the VF picks one": nothing to keep. */
		if (ether_addr_is_zero(attrs->mac))
			v.attrs.mask &= ~VF_ATTR_BIT(VF_ATTR_MAC);
	}
	if (vf_addr && pci_function_read(vf_addr, &f) == 0)
		v.bind = strdup(!f->driver ? "none" : streq(f->driver, "vfio-pci") ? "vfio-pci" : "host");
	*ret = v;
	return 0;
}

static int pf_state(const char *addr, Rtnl *rtnl, PersistPf *ret)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	_cleanup_pci_function_ PciFunction *f = NULL;
	_cleanup_free_ VfConfig *attrs = NULL;
	PersistPf p = {};
	size_t n_attrs = 0;
	int r;

	r = sriov_pf_read(addr, &pf);
	if (r < 0)
		return r;
	if (rtnl && pci_function_read(addr, &f) == 0 && f->netdevs && f->netdevs[0])
		(void)rtnl_vf_read(rtnl, f->netdevs[0], &attrs, &n_attrs);
	p.pf = strdup(addr);
	p.numvfs = pf->numvfs < 0 ? 0 : pf->numvfs;
	p.vfs = calloc(pf->n_vfs ? pf->n_vfs : 1, sizeof(*p.vfs));
	if (!p.pf || !p.vfs) {
		persist_pf_done(&p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pf->n_vfs && (int)i < p.numvfs; i++) {
		const VfConfig *a = NULL;

		for (size_t k = 0; k < n_attrs; k++)
			if (attrs[k].index == i)
				a = &attrs[k];
		vf_state(pf->vf_addrs[i], a, (uint32_t)i, &p.vfs[p.n_vfs++]);
	}
	*ret = p;
	return 0;
}

/* The unit runs the installed kvmnetctl (the build's sbindir), not the
 * one running now, which may be a build tree's, a user's copy or deleted;
 * and only if no one but root can replace it, since root runs it at boot. */
static int unit_text(char **ret)
{
	_cleanup_free_ char *culprit = NULL;
	const char *why = NULL;
	int r = path_root_only(KVMNETCTL_PATH, &culprit, &why);

	if (r == -EPERM)
		fprintf(stderr, "kvmnetctl sriov: %s is %s, so a user other than root could replace what the boot unit "
				"runs as root; fix its owner and mode (chown root:root, chmod go-w) and persist again\n",
			culprit, why);
	else if (r == -ENOENT)
		fprintf(stderr, "kvmnetctl sriov: kvmnetctl is not installed at %s, which the boot unit would run; "
				"install it there (meson install) and persist again\n", KVMNETCTL_PATH);
	else if (r < 0)
		fprintf(stderr, "kvmnetctl sriov: %s: %s\n", KVMNETCTL_PATH, strerror(-r));
	if (r < 0)
		return r;
	r = persist_unit_format(KVMNETCTL_PATH, ret);
	if (r < 0)
		fprintf(stderr, "kvmnetctl sriov: %s cannot be written as a systemd ExecStart=: %s\n", KVMNETCTL_PATH,
			strerror(-r));
	return r;
}

static void say_put(const char *path, int r, bool changed)
{
	if (r == -EEXIST)
		fprintf(stderr, "kvmnetctl sriov: %s exists and was not written by kvmnet (or was changed since); "
				"left alone\n", path);
	else if (r < 0)
		fprintf(stderr, "kvmnetctl sriov: writing %s: %s\n", path, strerror(-r));
	else
		printf("%s %s\n", changed ? "wrote" : "unchanged", path);
}

static int persist_unit(Manifest *m, char **pfs, Rtnl *rtnl)
{
	_cleanup_free_ char *unit = NULL;
	bool changed = false;
	int r, failed = 0;

	/* Before anything is written: a unit that cannot be written safely
	 * leaves no state files behind either. */
	if (unit_text(&unit) < 0)
		return EXIT_FAILED;
	STRV_FOREACH(a, pfs) {
		_cleanup_free_ char *text = NULL, *path = NULL;
		PersistPf p = {};

		r = pf_state(*a, rtnl, &p);
		if (r == 0)
			r = persist_pf_format(&p, &text);
		persist_pf_done(&p);
		if (r < 0 || asprintf(&path, STATE_DIR "/%s.conf", *a) < 0) {
			fprintf(stderr, "kvmnetctl sriov: %s: %s\n", *a, strerror(r < 0 ? -r : ENOMEM));
			return EXIT_FAILED;
		}
		r = persist_put_file(m, path, text, &changed);
		say_put(path, r, changed);
		failed |= r < 0;
	}
	r = persist_put_file(m, UNIT_PATH, unit, &changed);
	say_put(UNIT_PATH, r, changed);
	failed |= r < 0;
	r = persist_put_link(m, WANTS_PATH, "../" UNIT_NAME, &changed);
	say_put(WANTS_PATH, r, changed);
	failed |= r < 0;
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* Drivers whose module takes max_vfs (the way the seed documents set it). */
static bool has_max_vfs(const char *driver)
{
	return driver && (streq(driver, "igb") || streq(driver, "ixgbe"));
}

static int persist_modprobe(Manifest *m, char **pfs)
{
	int failed = 0;

	STRV_FOREACH(a, pfs) {
		_cleanup_pci_function_ PciFunction *f = NULL;
		_cleanup_sriov_pf_ SriovPf *pf = NULL;
		_cleanup_free_ char *path = NULL, *text = NULL;
		const char *vfdrv;
		bool changed = false;
		int r;

		if (pci_function_read(*a, &f) < 0 || sriov_pf_read(*a, &pf) < 0 || !has_max_vfs(f->driver)) {
			fprintf(stderr, "kvmnetctl sriov: %s: driver %s takes no max_vfs option; persist without --modprobe\n",
				*a, f && f->driver ? f->driver : "(none)");
			failed = 1;
			continue;
		}
		/* max_vfs holds for every port of the driver: one file per driver. */
		vfdrv = sriov_vf_driver_for(f->driver);
		if (asprintf(&path, "/etc/modprobe.d/kvmnet-%s.conf", f->driver) < 0 ||
		    asprintf(&text,
			     "# Written by 'kvmnetctl sriov persist --modprobe'; removed by 'kvmnetctl sriov unpersist'.\n"
			     "options %s max_vfs=%d\n%s%s%s",
			     f->driver, pf->numvfs < 0 ? 0 : pf->numvfs, vfdrv ? "blacklist " : "", vfdrv ?: "",
			     vfdrv ? "\n" : "") < 0)
			return EXIT_FAILED;
		r = persist_put_file(m, path, text, &changed);
		say_put(path, r, changed);
		failed |= r < 0;
	}
	if (!failed)
		printf("VF attributes and bindings are not kept this way; they apply after a reboot\n"
		       "only with the boot unit (kvmnetctl sriov persist without --modprobe).\n");
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* PFs to persist: the one named, or every PF with VFs. */
static int pick_pfs(int argc, char **argv, char ***ret)
{
	_cleanup_strv_free_ char **all = NULL, **pfs = NULL;
	int r;

	if (argc > 1)
		return cli_usage_error("sriov", "persist: unexpected argument '%s'; expected at most one PF", argv[1]);
	if (argc == 1) {
		_cleanup_free_ char *addr = NULL;

		r = cli_resolve_pf("sriov", argv[0], &addr, NULL);
		if (r != 0)
			return r;
		if (strv_extend(&pfs, addr) < 0)
			return EXIT_FAILED;
	} else {
		if (pci_list_functions(&all) < 0)
			return EXIT_FAILED;
		STRV_FOREACH(a, all) {
			_cleanup_sriov_pf_ SriovPf *pf = NULL;

			if (sriov_pf_read(*a, &pf) == 0 && pf->numvfs > 0 && strv_extend(&pfs, *a) < 0)
				return EXIT_FAILED;
		}
		if (!pfs) {
			fprintf(stderr, "kvmnetctl sriov: no PF has VFs; nothing to persist\n");
			return EXIT_FAILED;
		}
	}
	*ret = TAKE_PTR(pfs);
	return 0;
}

/* The manifest could not be used: nothing is written over it. */
static void manifest_error(int r, unsigned line)
{
	if (r == -EBADMSG)
		fprintf(stderr, "kvmnetctl sriov: %s:%u: expected 'f|l|d ARG /PATH'; nothing changed\n",
			PERSIST_MANIFEST, line);
	else
		fprintf(stderr, "kvmnetctl sriov: %s: cannot read: %s; nothing changed\n", PERSIST_MANIFEST,
			file_error_string(r));
}

int sriov_verb_persist(int argc, char **argv, bool modprobe)
{
	_cleanup_strv_free_ char **pfs = NULL;
	_cleanup_(rtnl_closep) Rtnl *rtnl = NULL;
	Manifest m = {};
	unsigned line = 0;
	int r, ret;

	r = pick_pfs(argc, argv, &pfs);
	if (r != 0)
		return r;
	r = manifest_load(&m, &line);
	if (r < 0) {
		manifest_error(r, line);
		return EXIT_FAILED;
	}
	if (!modprobe && cli_rtnl_open(&rtnl) < 0)
		rtnl = NULL; /* without attributes: count and bindings only */
	ret = modprobe ? persist_modprobe(&m, pfs) : persist_unit(&m, pfs, rtnl);
	r = manifest_save(&m);
	manifest_done(&m);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl sriov: writing %s: %s\n", PERSIST_MANIFEST, strerror(-r));
		return EXIT_FAILED;
	}
	return ret;
}

static void say_removed(const char *path, const char *what, void *ud)
{
	if (streq(what, "removed"))
		printf("removed %s\n", path);
	else {
		fprintf(stderr, "kvmnetctl sriov: %s: %s\n", path, what);
		(*(int *)ud)++;
	}
}

int sriov_verb_unpersist(int argc, char **argv)
{
	Manifest m = {};
	unsigned line = 0;
	int r, left = 0;

	if (argc > 0)
		return cli_usage_error("sriov", "unpersist: unexpected argument '%s'", argv[0]);
	r = manifest_load(&m, &line);
	if (r < 0) {
		manifest_error(r, line);
		return EXIT_FAILED;
	}
	if (m.n == 0) {
		printf("Nothing was persisted.\n");
		return EXIT_OK;
	}
	r = persist_remove_all(&m, say_removed, &left);
	manifest_done(&m);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl sriov: unpersist: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	return left ? EXIT_FAILED : EXIT_OK;
}

/* Attributes in one message for all VFs, then the bindings. */
static int restore_vfs(const PersistPf *p, Rtnl *rtnl, const SriovHolder *holders, size_t n_holders)
{
	_cleanup_free_ VfConfig *want = calloc(p->n_vfs ? p->n_vfs : 1, sizeof(VfConfig));
	_cleanup_free_ int *errors = calloc((p->n_vfs ? p->n_vfs : 1) * _VF_ATTR_MAX, sizeof(int));
	_cleanup_pci_function_ PciFunction *f = NULL;
	SriovOptions o = {};
	size_t n = 0;
	int r, failed = 0;

	if (!want || !errors)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_vfs; i++)
		if (p->vfs[i].attrs.mask)
			want[n++] = p->vfs[i].attrs;
	if (n > 0 && rtnl && pci_function_read(p->pf, &f) == 0 && f->netdevs && f->netdevs[0]) {
		/* At boot the PF has just been brought up: igb refuses a VF
		 * rate (EINVAL) until its link is up at speed. */
		if (netdev_wait_carrier(f->netdevs[0], 10000) < 0)
			fprintf(stderr, "kvmnetctl sriov: %s: no carrier after 10 s; rates may be refused\n",
				f->netdevs[0]);
		r = rtnl_vf_apply_changes(rtnl, f->netdevs[0], want, n, errors, NULL);
		if (r < 0) {
			fprintf(stderr, "kvmnetctl sriov: %s: VF attributes: %s\n", p->pf, strerror(-r));
			failed = 1;
		}
		for (size_t i = 0; r > 0 && i < n; i++)
			for (VfAttr a = 0; a < _VF_ATTR_MAX; a++)
				if (errors[i * _VF_ATTR_MAX + a] < 0) {
					fprintf(stderr, "kvmnetctl sriov: %s vf %u %s: %s\n", p->pf, want[i].index,
						vf_attr_to_string(a), strerror(-errors[i * _VF_ATTR_MAX + a]));
					failed = 1;
				}
	} else if (n > 0) {
		fprintf(stderr, "kvmnetctl sriov: %s: VF attributes not restored (no netdev or no rtnetlink)\n", p->pf);
		failed = 1;
	}
	for (size_t i = 0; i < p->n_vfs; i++) {
		SriovReport rep = {};
		SriovBindTarget t;

		if (!p->vfs[i].bind || sriov_bind_target_from_string(p->vfs[i].bind, &t) < 0)
			continue;
		r = sriov_vf_bind(p->pf, (int)p->vfs[i].attrs.index, t, holders, n_holders, &o, &rep);
		cli_print_report("sriov", &rep);
		sriov_report_done(&rep);
		if (r < 0) {
			fprintf(stderr, "kvmnetctl sriov: %s vf %u bind %s: %s\n", p->pf, p->vfs[i].attrs.index,
				p->vfs[i].bind, strerror(-r));
			failed = 1;
		}
	}
	return failed;
}

static int restore_one(const char *path, Rtnl *rtnl, const SriovHolder *holders, size_t n_holders)
{
	_cleanup_free_ char *text = NULL;
	PersistPf p = {};
	SriovOptions o = { .rtnl = rtnl };
	SriovReport rep = {};
	SriovPlan plan = {};
	unsigned line = 0;
	int r;

	/* A FIFO here would hang the boot's restore: never waited on. */
	r = read_state_file(path, 1 << 20, &text, NULL);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl sriov: %s: cannot read: %s; nothing changed for it\n", path, file_error_string(r));
		return 1;
	}
	r = persist_pf_parse(text, &p, &line);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl sriov: %s:%u: %s\n", path, line,
			r == -EINVAL ? "expected 'pf ADDR', 'numvfs N' or 'vf N ATTRIBUTE VALUE...'" : strerror(-r));
		return 1;
	}
	r = sriov_set_numvfs(p.pf, p.numvfs, holders, n_holders, &o, &plan, &rep);
	cli_print_report("sriov", &rep);
	sriov_report_done(&rep);
	if (r == -EBUSY && plan.refused) {
		fprintf(stderr, "kvmnetctl sriov: %s: not changing %d VFs to %d, these are in use:\n", p.pf, plan.from,
			plan.to);
		cli_print_blockers(&plan, stderr);
	} else if (r < 0)
		fprintf(stderr, "kvmnetctl sriov: %s: %d VFs: %s\n", p.pf, p.numvfs, strerror(-r));
	sriov_plan_done(&plan);
	if (r == 0)
		r = restore_vfs(&p, rtnl, holders, n_holders);
	persist_pf_done(&p);
	return r != 0;
}

int sriov_verb_restore(int argc, char **argv)
{
	_cleanup_strv_free_ char **files = NULL;
	_cleanup_(rtnl_closep) Rtnl *rtnl = NULL;
	SriovHolder *holders = NULL;
	size_t n_holders = 0;
	int r, failed = 0;

	if (argc > 0)
		return cli_usage_error("sriov", "restore: unexpected argument '%s'", argv[0]);
	r = list_dir(STATE_DIR, NULL, &files);
	if (r == -ENOENT) {
		printf("Nothing persisted in %s.\n", STATE_DIR);
		return EXIT_OK;
	}
	/* restore runs at boot before libvirtd (the unit is ordered so): no VM
	 * can hold a VF yet, and asking libvirt here could start it early
	 * through socket activation.  So no holders. */
	if (r < 0 || cli_rtnl_open(&rtnl) < 0) {
		fprintf(stderr, "kvmnetctl sriov: restore: %s\n", strerror(r < 0 ? -r : EIO));
		return EXIT_FAILED;
	}
	STRV_FOREACH(f, files) {
		_cleanup_free_ char *path = NULL;
		size_t l = strlen(*f);

		if (l < 5 || !streq(*f + l - 5, ".conf"))
			continue;
		if (asprintf(&path, STATE_DIR "/%s", *f) < 0)
			return EXIT_FAILED;
		failed |= restore_one(path, rtnl, holders, n_holders);
	}
	cli_vf_holders_free(holders, n_holders);
	return failed ? EXIT_FAILED : EXIT_OK;
}
