/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/pci-addr.h"
#include "basic/strv.h"
#include "host/pci.h"
#include "host/sriov.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

static int pf_int(const char *pf, const char *name, int *ret)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, PCI_DEVICES "/%s/%s", pf, name) < 0)
		return -ENOMEM;
	return read_int_file(path, ret);
}

/* Fill vf_addrs from the virtfnN links, which the kernel numbers densely
 * but which a fake or half-torn-down tree may not. */
static int read_vfs(SriovPf *pf)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_free_ char **links = NULL;
	int max = -1, r;

	if (asprintf(&dir, PCI_DEVICES "/%s", pf->addr) < 0)
		return -ENOMEM;
	r = list_dir(dir, "virtfn", &links);
	if (r < 0)
		return r;
	STRV_FOREACH(l, links) {
		int idx;

		if (parse_int(*l + strlen("virtfn"), &idx) == 0 && idx >= 0 && idx < 65536 && idx > max)
			max = idx;
	}
	if (max < 0)
		return 0;
	pf->vf_addrs = calloc((size_t)max + 1, sizeof(char *));
	if (!pf->vf_addrs)
		return -ENOMEM;
	pf->n_vfs = (size_t)max + 1;
	STRV_FOREACH(l, links) {
		_cleanup_free_ char *path = NULL;
		int idx;

		/* "virtfn01" and "virtfn1" name one index; keep the first. */
		if (parse_int(*l + strlen("virtfn"), &idx) < 0 || idx < 0 || idx > max || pf->vf_addrs[idx])
			continue;
		if (asprintf(&path, "%s/%s", dir, *l) < 0)
			return -ENOMEM;
		r = read_link_basename(path, &pf->vf_addrs[idx]);
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

int sriov_pf_read(const char *pf_addr, SriovPf **ret)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	char canon[PCI_ADDR_STRLEN];
	int r;

	/* Same address forms as pci_function_read(), and a missing device is
	 * -ENOENT, not "not a PF". */
	r = pci_device_canonical(pf_addr, canon);
	if (r < 0)
		return r;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->addr = strdup(canon);
	if (!pf->addr)
		return -ENOMEM;
	r = pf_int(pf->addr, "sriov_totalvfs", &pf->totalvfs);
	if (r == -ENOENT)
		return -EOPNOTSUPP;
	if (r < 0)
		pf->totalvfs = -1;
	if (pf_int(pf->addr, "sriov_numvfs", &pf->numvfs) < 0)
		pf->numvfs = -1;
	if (pf_int(pf->addr, "sriov_drivers_autoprobe", &pf->drivers_autoprobe) < 0)
		pf->drivers_autoprobe = -1;
	r = read_vfs(pf);
	if (r == -ENOMEM)
		return r;
	*ret = TAKE_PTR(pf);
	return 0;
}

static SriovWriteHook write_hook;
static void *write_hook_data;

void sriov_set_write_hook(SriovWriteHook hook, void *userdata)
{
	write_hook = hook;
	write_hook_data = userdata;
}

/* Every sysfs write of the engine, so that a test can play the kernel. */
int sriov_sysfs_write(const char *path, const char *value)
{
	if (write_hook) {
		int r = write_hook(path, value, write_hook_data);

		if (r != 0)
			return r < 0 ? r : 0;
	}
	return write_string_file(path, value);
}

int sriov_vf_driver(const char *vf_addr, char **ret)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (asprintf(&path, PCI_DEVICES "/%s/driver", vf_addr) < 0)
		return -ENOMEM;
	r = read_link_basename(path, ret);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	return r;
}

int sriov_physfn(const char *addr, char **ret)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	int r;

	if (asprintf(&dir, PCI_DEVICES "/%s", addr) < 0 || asprintf(&path, "%s/physfn", dir) < 0)
		return -ENOMEM;
	r = read_link_basename(path, ret);
	if (r != -ENOENT)
		return r;
	/* No link in a device that is there: no VF.  No device: unknown. */
	r = access_root(dir, F_OK);
	if (r < 0)
		return r;
	*ret = NULL;
	return 0;
}

/* The PF's netdev, NULL when its driver has none (unbound PF). */
char *sriov_pf_netdev(const char *pf)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_free_ char **l = NULL;

	if (asprintf(&dir, PCI_DEVICES "/%s/net", pf) < 0 || list_dir(dir, NULL, &l) < 0 || !l[0])
		return NULL;
	return strdup(l[0]);
}

int sriov_vf_override(const char *vf, char **ret)
{
	_cleanup_free_ char *path = NULL, *s = NULL;
	char *v = NULL;
	int r;

	if (asprintf(&path, PCI_DEVICES "/%s/driver_override", vf) < 0)
		return -ENOMEM;
	r = read_one_line(path, &s);
	if (r < 0)
		return r;
	if (!isempty(strstrip(s)) && !streq(strstrip(s), "(null)")) {
		v = strdup(strstrip(s));
		if (!v)
			return -ENOMEM;
	}
	*ret = v;
	return 0;
}

int sriov_list_pfs(char ***ret)
{
	_cleanup_strv_free_ char **all = NULL, **pfs = NULL;
	int r;

	r = pci_list_functions(&all);
	if (r < 0)
		return r;
	STRV_FOREACH(a, all) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, PCI_DEVICES "/%s/sriov_totalvfs", *a) < 0)
			return -ENOMEM;
		if (access_root(p, F_OK) == 0 && strv_extend(&pfs, *a) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(pfs);
	return 0;
}
