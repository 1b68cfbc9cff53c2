/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "host/kmod.h"

bool kmod_supported(void)
{
	return access_root("/proc/modules", F_OK) == 0;
}

static int list_file_has(const char *release, const char *file, const char *name)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int r;

	if (asprintf(&path, "/lib/modules/%s/%s", release, file) < 0)
		return -ENOMEM;
	r = read_full_file(path, 64 << 20, &text, NULL);
	if (r < 0)
		return r;
	return kmod_list_has(text, name);
}

static int sys_module_state(const char *name, KmodState *ret)
{
	_cleanup_free_ char *dir = NULL, *norm = strdup(name);

	if (!norm)
		return -ENOMEM;
	for (char *c = norm; *c; c++)
		if (*c == '-')
			*c = '_';
	if (asprintf(&dir, "/sys/module/%s", norm) < 0)
		return -ENOMEM;
	if (access_root(dir, F_OK) < 0)
		return -ENOENT;
	free(dir);
	/* Only loadable modules have initstate. */
	if (asprintf(&dir, "/sys/module/%s/initstate", norm) < 0)
		return -ENOMEM;
	*ret = access_root(dir, F_OK) == 0 ? KMOD_LOADED : KMOD_BUILTIN;
	return 0;
}

int kmod_state(const char *name, KmodState *ret)
{
	_cleanup_free_ char *modules = NULL, *release = NULL;
	int r;

	if (isempty(name) || strchr(name, '/'))
		return -EINVAL;
	if (read_full_file("/proc/modules", 16 << 20, &modules, NULL) == 0 && kmod_list_has(modules, name)) {
		*ret = KMOD_LOADED;
		return 0;
	}
	r = read_one_line("/proc/sys/kernel/osrelease", &release);
	if (r == 0 && list_file_has(release, "modules.builtin", name) > 0) {
		*ret = KMOD_BUILTIN;
		return 0;
	}
	r = sys_module_state(name, ret);
	if (r != -ENOENT)
		return r;
	if (release && list_file_has(release, "modules.dep", name) > 0) {
		*ret = KMOD_AVAILABLE;
		return 0;
	}
	*ret = KMOD_ABSENT;
	return 0;
}
