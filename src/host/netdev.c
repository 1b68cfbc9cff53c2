/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "netdev.h"
#include "pci.h"

int netdev_list(char ***ret)
{
	return list_dir("/sys/class/net", NULL, ret);
}

/* The canonical PCI address in the last component of a sysfs path. */
static int pci_component(const char *path, char **ret)
{
	const char *base = strrchr(path, '/');
	char buf[PCI_ADDR_STRLEN];
	PciAddr a;

	base = base ? base + 1 : path;
	if (pci_addr_parse(base, &a) < 0)
		return -ENODEV;
	*ret = strdup(pci_addr_format(&a, buf));
	return *ret ? 0 : -ENOMEM;
}

int netdev_pci_addr(const char *ifname, char **ret)
{
	_cleanup_free_ char *path = NULL, *dev = NULL, *subsys = NULL;
	char *slash;
	int r;

	/* An interface name is a single path component. */
	if (isempty(ifname) || strchr(ifname, '/') || streq(ifname, ".") || streq(ifname, ".."))
		return -EINVAL;
	if (asprintf(&path, "/sys/class/net/%s", ifname) < 0)
		return -ENOMEM;
	if (access_root(path, F_OK) < 0)
		return -ENOENT;
	r = root_path(&dev, "/sys/class/net/%s/device", ifname);
	if (r < 0)
		return r;
	{
		char *real = realpath(dev, NULL);

		if (!real)
			return -ENODEV; /* bridge, veth, loopback: no device */
		free(dev);
		dev = real;
	}
	if (pci_component(dev, ret) == 0)
		return 0;
	/* virtio-net sits one level below its PCI function (.../0000:00:03.0/
	 * virtio2); other buses (USB) must not map to their controller. */
	free(path);
	if (asprintf(&path, "/sys/class/net/%s/device/subsystem", ifname) < 0)
		return -ENOMEM;
	if (read_link_basename(path, &subsys) < 0 || !streq(subsys, "virtio"))
		return -ENODEV;
	slash = strrchr(dev, '/');
	if (!slash)
		return -ENODEV;
	*slash = 0;
	return pci_component(dev, ret);
}

int pci_resolve_name(const char *name, char **ret_addr)
{
	char buf[PCI_ADDR_STRLEN];
	PciAddr a;
	int r;

	if (pci_addr_parse(name, &a) == 0) {
		r = pci_device_canonical(name, buf);
		if (r < 0)
			return r == -ENOMEM ? r : -ENODEV;
		*ret_addr = strdup(buf);
		return *ret_addr ? 0 : -ENOMEM;
	}
	return netdev_pci_addr(name, ret_addr);
}

int netdev_wait_carrier(const char *ifname, unsigned timeout_ms)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "/sys/class/net/%s/carrier", ifname) < 0)
		return -ENOMEM;
	for (unsigned waited = 0;; waited += 100) {
		int v = 0;

		/* carrier reads EINVAL while the interface is down. */
		if (read_int_file(path, &v) == 0 && v == 1)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(100 * 1000);
	}
}

bool netdev_macvtap_class(void)
{
	return access_root("/sys/class/macvtap", F_OK) == 0;
}
