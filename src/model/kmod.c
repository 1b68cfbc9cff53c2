/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "model/kmod.h"

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
