/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /proc/PID/cgroup text, and each path found through cgroup_vm_root(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	CgroupPaths p;

	if (!s)
		return 0;
	if (cgroup_parse_proc(s, &p) == 0) {
		const char *paths[] = { p.unified, p.memory, p.blkio };

		for (size_t i = 0; i < 3; i++) {
			char *root = NULL;

			if (!paths[i])
				continue;
			if (paths[i][0] != '/')
				abort(); /* the parser only keeps absolute paths */
			if (cgroup_vm_root(paths[i], &root) == 0) {
				/* A prefix of the path, ending at a component. */
				if (strncmp(root, paths[i], strlen(root)) != 0 ||
				    (paths[i][strlen(root)] != 0 && paths[i][strlen(root)] != '/'))
					abort();
				free(root);
			}
		}
		cgroup_paths_done(&p);
	}
	free(s);
	return 0;
}
