/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Point KVMNET_SYSROOT at tests/fixtures/NAME/root ($KVMNET_FIXTURES is set
 * by meson). */
#include <stdio.h>
#include <stdlib.h>

#include "basic/fileio.h"

static inline void use_fixture(const char *name)
{
	const char *dir = getenv("KVMNET_FIXTURES");
	char p[4096];

	if (!dir) {
		fprintf(stderr, "KVMNET_FIXTURES is not set; run under meson test\n");
		exit(1);
	}
	snprintf(p, sizeof(p), "%s/%s/root", dir, name);
	setenv("KVMNET_SYSROOT", p, 1);
	sysroot_reset();
}

/* The whole of $KVMNET_FIXTURES/path (domain-xml/x.xml), malloc'd; exits
 * the test when it cannot be read. */
static inline char *fixture_read(const char *path)
{
	const char *dir = getenv("KVMNET_FIXTURES");
	char p[4096], *buf = NULL;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir ? dir : ".", path);
	if (read_regular_file(p, 1u << 22, &buf, &n) < 0) {
		fprintf(stderr, "cannot read fixture %s\n", p);
		exit(1);
	}
	return buf;
}
