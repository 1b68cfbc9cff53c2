/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/path-util.h"
#include "basic/pci-addr.h"
#include "host/knob-path.h"
#include "host/sched.h"

#define CGROUP "/sys/fs/cgroup/"

typedef struct KnobClass {
	const char *prefix; /* the key starts with it */
	const char *tree;   /* and must resolve below it */
	const char *const *files; /* allowed last components, NULL-terminated */
	bool devline;	    /* a " MAJ:MIN" follows */
} KnobClass;

static const char *const v2_files[] = { "memory.high", "memory.max", NULL };
static const char *const v2_dev_files[] = { "io.max", NULL };
static const char *const v1_mem_files[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", NULL };
static const char *const v1_blkio_files[] = {
	"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device", NULL,
};

/* The v1 hierarchies first: below them only their own files. */
static const KnobClass cgroup_classes[] = {
	{ CGROUP "memory/", CGROUP "memory", v1_mem_files, false },
	{ CGROUP "blkio/", CGROUP "blkio", v1_blkio_files, true },
	{ CGROUP, "/sys/fs/cgroup", v2_files, false },
	{ CGROUP, "/sys/fs/cgroup", v2_dev_files, true },
};

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (streq(*l, s))
			return true;
	return false;
}

/* "MAJ:MIN", decimal. */
static bool is_devnum(const char *s)
{
	size_t a = strspn(s, "0123456789");

	return a > 0 && a <= 10 && s[a] == ':' && strspn(s + a + 1, "0123456789") == strlen(s + a + 1) &&
	       strlen(s + a + 1) > 0 && strlen(s + a + 1) <= 10;
}

static bool is_sched(const char *path)
{
	static const SchedFlavor flavors[] = { SCHED_FLAVOR_SYSCTL, SCHED_FLAVOR_DEBUGFS, SCHED_FLAVOR_EEVDF };

	for (size_t i = 0; i < ELEMENTSOF(flavors); i++) {
		size_t n;
		const SchedKnob *k = sched_knobs(flavors[i], &n);

		for (size_t j = 0; j < n; j++)
			if (streq(k[j].path, path))
				return true;
	}
	return false;
}

/* "PREFIX NAME SUFFIX" with NAME one component (no '/'); its tree in *tree. */
static bool one_component(const char *path, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix), n = strlen(path);

	return n > p + s && strneq(path, prefix, p) && streq(path + n - s, suffix) &&
	       !memchr(path + p, '/', n - p - s);
}

static bool is_pci_attr(const char *path)
{
	static const char *const attrs[] = { "sriov_numvfs", "sriov_drivers_autoprobe", "driver_override", NULL };
	const char *prefix = "/sys/bus/pci/devices/", *slash;
	char addr[PCI_ADDR_STRLEN], canon[PCI_ADDR_STRLEN];
	PciAddr a;

	if (!strneq(path, prefix, strlen(prefix)))
		return false;
	slash = strchr(path + strlen(prefix), '/');
	if (!slash || (size_t)(slash - path - strlen(prefix)) >= sizeof(addr))
		return false;
	memcpy(addr, path + strlen(prefix), (size_t)(slash - path - strlen(prefix)));
	addr[slash - path - strlen(prefix)] = 0;
	/* The kernel's own spelling only: "01:00.0" is another path. */
	return pci_addr_parse(addr, &a) == 0 && streq(pci_addr_format(&a, canon), addr) && in_list(attrs, slash + 1);
}

/* The tree path must resolve below, or NULL when it is no kvmnet knob. */
static const char *knob_tree(const char *path, bool devline)
{
	const char *base = strrchr(path, '/') + 1;

	if (!devline && is_sched(path))
		return strneq(path, "/proc/", 6) ? "/proc" : "/sys/kernel/debug";
	if (!devline && one_component(path, "/proc/irq/", "/smp_affinity_list") &&
	    strspn(path + 10, "0123456789") == strcspn(path + 10, "/"))
		return "/proc";
	if (!devline && (one_component(path, "/sys/block/", "/queue/scheduler") || is_pci_attr(path)))
		return "/sys";
	for (size_t i = 0; i < ELEMENTSOF(cgroup_classes); i++) {
		const KnobClass *c = &cgroup_classes[i];

		/* At least one directory below the prefix: a VM's cgroup. */
		if (strneq(path, c->prefix, strlen(c->prefix)) && base > path + strlen(c->prefix) &&
		    c->devline == devline && in_list(c->files, base))
			return c->tree;
		if (strneq(path, c->prefix, strlen(c->prefix)) && i < 2)
			return NULL; /* a v1 hierarchy holds only its own files */
	}
	return NULL;
}

int knob_path_check(const char *key, const char **ret_why)
{
	_cleanup_free_ char *path = strdup(key);
	const char *sp = strchr(key, ' '), *tree;
	int r;

	if (!path)
		return -ENOMEM;
	if (sp) {
		path[sp - key] = 0;
		if (!is_devnum(sp + 1)) {
			*ret_why = "not a path followed by a device MAJ:MIN";
			return -EINVAL;
		}
	}
	if (!path_is_canonical(path)) {
		*ret_why = "not a canonical absolute path (empty, '.' or '..' component, blank or control character)";
		return -EINVAL;
	}
	tree = knob_tree(path, sp != NULL);
	if (!tree) {
		*ret_why = "not a file kvmnet writes";
		return -EINVAL;
	}
	r = path_resolves_below(path, tree);
	if (r == -EXDEV)
		*ret_why = "resolves outside its tree through a symlink";
	return r;
}
