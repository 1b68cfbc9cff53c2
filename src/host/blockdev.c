/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "host/blockdev.h"

/* dm on md on partitions is as deep as real stacks go. */
#define STACK_MAX 8

static bool name_ok(const char *name)
{
	return !isempty(name) && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

static int disks_rec(const char *name, unsigned depth, char ***acc);

/* A partition's disk: its directory sits in the disk's. */
static int parent_of_partition(const char *name, char **ret)
{
	_cleanup_free_ char *link = NULL, *real = NULL;
	char *slash;
	int r;

	r = root_path(&link, "/sys/class/block/%s", name);
	if (r < 0)
		return r;
	real = realpath(link, NULL);
	if (!real)
		return negative_errno();
	slash = strrchr(real, '/');
	if (!slash)
		return -ENODEV;
	*slash = 0;
	slash = strrchr(real, '/');
	if (!slash)
		return -ENODEV;
	*ret = strdup(slash + 1);
	return *ret ? 0 : -ENOMEM;
}

static int slaves_of(const char *name, unsigned depth, char ***acc, bool *ret_any)
{
	_cleanup_strv_free_ char **slaves = NULL;
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "/sys/block/%s/slaves", name);
	*ret_any = false;
	/* No slaves/ (old kernels, some drivers): a disk of its own.  One
	 * that cannot be read is no answer: a dm device would pass for the
	 * disk. */
	r = list_dir(path, NULL, &slaves);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!slaves || !slaves[0])
		return 0;
	*ret_any = true;
	STRV_FOREACH(s, slaves) {
		r = disks_rec(*s, depth + 1, acc);
		if (r < 0)
			return r;
	}
	return 0;
}

static int disks_rec(const char *name, unsigned depth, char ***acc)
{
	_cleanup_free_ char *parent = NULL;
	char path[PATH_MAX];
	bool any;
	int r;

	if (!name_ok(name) || depth > STACK_MAX)
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	if (access_root(path, F_OK) == 0) {
		r = parent_of_partition(name, &parent);
		if (r < 0)
			return r;
		name = parent;
	}
	snprintf(path, sizeof(path), "/sys/block/%s", name);
	if (access_root(path, F_OK) < 0)
		return -ENODEV;
	r = slaves_of(name, depth, acc, &any);
	if (r < 0 || any)
		return r;
	if (strv_contains(*acc, name))
		return 0;
	return strv_extend(acc, name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int blockdev_disks_of_name(const char *name, char ***ret)
{
	_cleanup_strv_free_ char **acc = NULL;
	int r;

	r = disks_rec(name, 0, &acc);
	if (r < 0)
		return r;
	if (!acc)
		return -ENODEV;
	qsort(acc, strv_length(acc), sizeof(char *), cmp_str);
	*ret = TAKE_PTR(acc);
	return 0;
}

/* /sys/dev/block/MAJ:MIN names the device, whatever /dev calls it. */
static int name_of_devnum(dev_t d, char **ret)
{
	char path[64];

	int r;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(d), minor(d));
	r = read_link_basename(path, ret);
	return r == -ENOENT ? -ENODEV : r;
}

int blockdev_disks_of(const char *source, char ***ret)
{
	_cleanup_free_ char *full = NULL, *real = NULL, *name = NULL;
	struct stat st;
	int r;

	if (isempty(source) || source[0] != '/')
		return -EINVAL;
	r = root_path(&full, "%s", source);
	if (r < 0)
		return r;
	if (stat(full, &st) < 0)
		return negative_errno();
	if (S_ISBLK(st.st_mode))
		r = name_of_devnum(st.st_rdev, &name);
	else if (strncmp(source, "/dev/", 5) == 0) {
		/* Not a device node: a fake tree's stand-in; its name (after
		 * /dev/mapper or by-id links) is the kernel's. */
		real = realpath(full, NULL);
		if (!real)
			return negative_errno();
		name = strdup(strrchr(real, '/') + 1);
		r = name ? 0 : -ENOMEM;
	} else if (S_ISREG(st.st_mode))
		r = name_of_devnum(st.st_dev, &name);
	else
		r = -ENODEV;
	if (r < 0)
		return r;
	return blockdev_disks_of_name(name, ret);
}
