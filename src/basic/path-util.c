/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"
#include "path-util.h"

bool path_is_canonical(const char *path)
{
	if (!path || path[0] != '/' || strlen(path) >= PATH_MAX)
		return false;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return false;
	for (const char *c = path + 1;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return streq(path, "/") && n == 0;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

static int real_below_root(const char *path, char **ret)
{
	_cleanup_free_ char *full = NULL;
	char *real;

	if (root_path(&full, "%s", path) < 0)
		return -ENOMEM;
	real = realpath(full, NULL);
	if (!real)
		return negative_errno();
	*ret = real;
	return 0;
}

int path_resolves_below(const char *path, const char *dir)
{
	_cleanup_free_ char *real = NULL, *realdir = NULL;
	const char *base = strrchr(path, '/'), *rbase;
	size_t n;
	int r;

	r = real_below_root(dir, &realdir);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : r;
	r = real_below_root(path, &real);
	if (r < 0)
		return r;
	n = strlen(realdir);
	if (!(strneq(real, realdir, n) && (real[n] == '/' || (n == 1 && realdir[0] == '/'))))
		return -EXDEV;
	rbase = strrchr(real, '/');
	if (!base || !rbase || !streq(base, rbase))
		return -EXDEV;
	return 0;
}

int path_resolves_to_itself(const char *path)
{
	_cleanup_free_ char *real = NULL, *realroot = NULL;
	size_t n;
	int r;

	r = real_below_root("/", &realroot);
	if (r >= 0)
		r = real_below_root(path, &real);
	if (r < 0)
		return r;
	n = streq(realroot, "/") ? 0 : strlen(realroot);
	if (!strneq(real, realroot, n) || !streq(real + n, path))
		return -EXDEV;
	return 0;
}
