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
