/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A private directory for one test program's control socket: `path` is
 * DIR/NAME, made by socket_dir_setup() and removed by the teardown. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/kvmnet-sock-XXXXXX";
static char path[128];

static inline int socket_dir_setup(const char *name)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return 0;
}

static inline int socket_dir_teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}
