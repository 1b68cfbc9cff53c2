/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tmp-root.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"

static const char *fixtures_dir(void)
{
	const char *fx = getenv("KVMNET_FIXTURES");

	/* meson sets it; "tests/fixtures" serves a run from the source root. */
	return fx ? fx : "tests/fixtures";
}

/* Paths come from the tests themselves; the quotes only guard spaces. */
static int run(const char *cmd, int len)
{
	if (len < 0 || (size_t)len >= 1024)
		return -ENAMETOOLONG;
	return system(cmd) == 0 ? 0 : -EIO;
}

int tmp_root_new(char *root, const char *name)
{
	if ((size_t)snprintf(root, TMP_ROOT_MAX, "/tmp/kvmnet-%s-XXXXXX", name) >= TMP_ROOT_MAX)
		return -ENAMETOOLONG;
	if (!mkdtemp(root))
		return -errno;
	setenv("KVMNET_SYSROOT", root, 1);
	sysroot_reset();
	return 0;
}

int tmp_root_copy(const char *root, const char *fixture, const char *dest)
{
	char from[512], to[512];

	snprintf(from, sizeof(from), "%s/%s/.", fixtures_dir(), fixture);
	snprintf(to, sizeof(to), "%s/%s", root, dest);
	char cmd[1024];

	return run(cmd, snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp -a '%s' '%s/'", to, from, to));
}

int tmp_root_put(const char *root, const char *rel, const char *content)
{
	char p[512], cmd[1024];
	FILE *f;
	int r;

	if ((size_t)snprintf(p, sizeof(p), "%s%s", root, rel) >= sizeof(p))
		return -ENAMETOOLONG;
	r = run(cmd, snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p));
	if (r < 0)
		return r;
	f = fopen(p, "we");
	if (!f)
		return -errno;
	fputs(content, f);
	return fclose(f) == 0 ? 0 : -errno;
}

int tmp_root_remove(const char *root)
{
	char cmd[1024];

	if (strncmp(root, "/tmp/kvmnet-", 12) != 0)
		return -EINVAL; /* never rm -rf anything else */
	return run(cmd, snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root));
}
