/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "file-trust.h"

/* Check one component, the host path's first len bytes. */
static int check_one(const char *path, size_t len, const char **ret_why)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;

	if (root_path(&p, "%.*s", (int)(len ? len : 1), path) < 0)
		return -ENOMEM;
	/* Following links: what root would run or look into.  A link itself
	 * is only replaced through its directory, checked as well. */
	if (stat(p, &st) < 0)
		return -errno;
	if (st.st_uid != 0)
		*ret_why = "not owned by root";
	else if (st.st_mode & S_IWGRP)
		*ret_why = "group-writable";
	else if (st.st_mode & S_IWOTH)
		*ret_why = "writable by anyone";
	else
		return 0;
	return -EPERM;
}

int path_root_only(const char *path, char **ret_culprit, const char **ret_why)
{
	const char *why = NULL;
	size_t len;
	int r;

	if (!path || path[0] != '/')
		return -EINVAL;
	/* "/", then each directory down, then the file itself. */
	for (len = 0; ; len++) {
		if (path[len] != '/' && path[len] != 0)
			continue;
		r = check_one(path, len, &why);
		if (r == -EPERM) {
			*ret_culprit = strndup(path, len ? len : 1);
			*ret_why = why;
			return *ret_culprit ? -EPERM : -ENOMEM;
		}
		if (r < 0 || path[len] == 0)
			return r;
	}
}
