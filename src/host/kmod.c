/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "kmod.h"

const char *kmod_state_to_string(KmodState s)
{
	switch (s) {
	case KMOD_ABSENT:
		return "absent";
	case KMOD_AVAILABLE:
		return "available";
	case KMOD_LOADED:
		return "loaded";
	case KMOD_BUILTIN:
		return "built-in";
	}
	return "unknown";
}

/* Module names compare with '-' and '_' alike, as modprobe does. */
static bool name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == alen && !b[i];
}

/* The module name in the first word of a line: the bare name, or the
 * base name of a ".ko" path without its compression suffix. */
static bool line_names(const char *line, size_t len, const char *name)
{
	size_t word = strcspn(line, " \t:\n");
	const char *base = line, *ko;

	if (word > len)
		word = len;
	for (size_t i = 0; i < word; i++)
		if (line[i] == '/')
			base = line + i + 1;
	word -= (size_t)(base - line);
	ko = memmem(base, word, ".ko", 3);
	if (ko)
		word = (size_t)(ko - base);
	return word > 0 && name_eq(base, word, name);
}

bool kmod_list_has(const char *text, const char *name)
{
	if (isempty(name))
		return false;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");

		if (line_names(p, len, name))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

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
