/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/pci-addr.h"
#include "basic/strv.h"
#include "pci.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

/* An attribute as a string, or NULL when it is absent or empty. */
static char *attr_string(const char *addr, const char *name)
{
	_cleanup_free_ char *path = NULL, *line = NULL;

	if (asprintf(&path, PCI_DEVICES "/%s/%s", addr, name) < 0)
		return NULL;
	if (read_one_line(path, &line) < 0)
		return NULL;
	if (isempty(strstrip(line)))
		return NULL;
	return strdup(strstrip(line));
}

static int attr_int(const char *addr, const char *name)
{
	_cleanup_free_ char *s = attr_string(addr, name);
	int v;

	if (!s || parse_int(s, &v) < 0)
		return -1;
	return v;
}

static char *attr_link(const char *addr, const char *name)
{
	_cleanup_free_ char *path = NULL;
	char *target = NULL;

	if (asprintf(&path, PCI_DEVICES "/%s/%s", addr, name) < 0)
		return NULL;
	if (read_link_basename(path, &target) < 0)
		return NULL;
	return target;
}

/* The kernel prints "Unknown" (older kernels "Unknown speed") and width 0
 * where the link registers say nothing, as on every VF, whose link fields
 * are reserved: that is no link to judge, so keep it unknown. */
static char *link_speed(const char *addr, const char *name)
{
	char *s = attr_string(addr, name);

	if (s && strneq(s, "Unknown", strlen("Unknown"))) {
		free(s);
		return NULL;
	}
	return s;
}

static int link_width(const char *addr, const char *name)
{
	int w = attr_int(addr, name);

	return w > 0 ? w : -1;
}

static void read_link(PciFunction *f)
{
	f->link_width = link_width(f->addr, "current_link_width");
	f->max_link_width = link_width(f->addr, "max_link_width");
	f->link_speed = link_speed(f->addr, "current_link_speed");
	f->max_link_speed = link_speed(f->addr, "max_link_speed");
}

static void read_iommu(PciFunction *f)
{
	_cleanup_free_ char *group = attr_link(f->addr, "iommu_group");
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_free_ char **members = NULL;

	if (!group || parse_int(group, &f->iommu_group) < 0) {
		f->iommu_group = -1;
		return;
	}
	if (asprintf(&dir, "/sys/kernel/iommu_groups/%s/devices", group) < 0)
		return;
	if (list_dir(dir, NULL, &members) < 0)
		return;
	STRV_FOREACH(m, members)
		if (!streq(*m, f->addr) && strv_extend(&f->iommu_peers, *m) < 0)
			return;
}

/* For a VF, find which virtfnN of its PF points back at it. */
static void read_physfn(PciFunction *f)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_free_ char **links = NULL;

	f->vf_index = -1;
	f->physfn = attr_link(f->addr, "physfn");
	if (!f->physfn)
		return;
	if (asprintf(&dir, PCI_DEVICES "/%s", f->physfn) < 0 || list_dir(dir, "virtfn", &links) < 0)
		return;
	STRV_FOREACH(l, links) {
		_cleanup_free_ char *target = attr_link(f->physfn, *l);
		int idx;

		if (target && streq(target, f->addr) && parse_int(*l + strlen("virtfn"), &idx) == 0) {
			f->vf_index = idx;
			return;
		}
	}
}

static void add_netdevs_of(PciFunction *f, const char *sub)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_free_ char **names = NULL;

	if (asprintf(&dir, PCI_DEVICES "/%s/%snet", f->addr, sub) < 0)
		return;
	if (list_dir(dir, NULL, &names) < 0)
		return;
	STRV_FOREACH(n, names)
		if (strv_extend(&f->netdevs, *n) < 0)
			return;
}

/* A PCI NIC's interfaces are under net/; virtio-net's sit one level down,
 * under the virtio device (.../0000:00:03.0/virtio2/net/eth0). */
static void read_netdevs(PciFunction *f)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_free_ char **virtio = NULL;

	add_netdevs_of(f, "");
	if (asprintf(&dir, PCI_DEVICES "/%s", f->addr) < 0 || list_dir(dir, "virtio", &virtio) < 0)
		return;
	STRV_FOREACH(v, virtio) {
		_cleanup_free_ char *sub = NULL;

		if (asprintf(&sub, "%s/", *v) < 0)
			return;
		add_netdevs_of(f, sub);
	}
}

int pci_device_canonical(const char *addr, char canon[static PCI_ADDR_STRLEN])
{
	_cleanup_free_ char *dir = NULL;
	PciAddr a;

	if (pci_addr_parse(addr, &a) < 0)
		return -EINVAL;
	pci_addr_format(&a, canon);
	if (asprintf(&dir, PCI_DEVICES "/%s", canon) < 0)
		return -ENOMEM;
	return access_root(dir, F_OK);
}

int pci_function_read(const char *addr, PciFunction **ret)
{
	_cleanup_pci_function_ PciFunction *f = NULL;
	char canon[PCI_ADDR_STRLEN];
	int r;

	r = pci_device_canonical(addr, canon);
	if (r < 0)
		return r;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->addr = strdup(canon);
	if (!f->addr)
		return -ENOMEM;
	f->vendor = attr_string(canon, "vendor");
	f->device = attr_string(canon, "device");
	f->class_id = attr_string(canon, "class");
	f->driver = attr_link(canon, "driver");
	f->driver_override = attr_string(canon, "driver_override");
	if (f->driver_override && streq(f->driver_override, "(null)")) {
		free(f->driver_override);
		f->driver_override = NULL;
	}
	f->numa_node = attr_int(canon, "numa_node");
	read_link(f);
	read_iommu(f);
	read_physfn(f);
	read_netdevs(f);
	*ret = TAKE_PTR(f);
	return 0;
}

int pci_list_functions(char ***ret)
{
	return list_dir(PCI_DEVICES, NULL, ret);
}

bool pci_function_is_network(const PciFunction *f)
{
	return f->class_id && strneq(f->class_id, "0x02", 4);
}

bool pci_driver_registered(const char *driver)
{
	_cleanup_free_ char *path = NULL;

	return asprintf(&path, "/sys/bus/pci/drivers/%s", driver) >= 0 && access_root(path, F_OK) >= 0;
}
