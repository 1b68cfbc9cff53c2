/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "cpuinfo.h"

/* The value after "key<tabs/spaces>:" when line starts with key, else NULL. */
static const char *field(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (!strneq(line, key, n))
		return NULL;
	line += n;
	line += strspn(line, " \t");
	if (*line != ':')
		return NULL;
	line++;
	return line + strspn(line, " \t");
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == n && strneq(p, word, n))
			return true;
		p += len;
	}
	return false;
}

int cpuinfo_parse(const char *text, CpuInfo *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	CpuInfo ci = {};
	bool flags = false;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *v;

		/* Only the first CPU: the flags are the same on all of them. */
		if (field(line, "processor") && (flags || ci.vendor_id[0]))
			break;
		if ((v = field(line, "vendor_id")) && !ci.vendor_id[0])
			snprintf(ci.vendor_id, sizeof(ci.vendor_id), "%.*s", (int)strcspn(v, " \t"), v);
		else if ((v = field(line, "flags")) && !flags) {
			flags = true;
			ci.vmx = has_word(v, "vmx");
			ci.svm = has_word(v, "svm");
			ci.hypervisor = has_word(v, "hypervisor");
		}
	}
	if (!flags)
		return -EINVAL;
	*ret = ci;
	return 0;
}

int cpuinfo_read(CpuInfo *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file("/proc/cpuinfo", 64 << 20, &text, NULL);
	if (r < 0)
		return r;
	return cpuinfo_parse(text, ret);
}
