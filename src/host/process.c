/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "process.h"

int process_find_by_comm(const char *comm, pid_t *ret)
{
	_cleanup_strv_free_ char **entries = NULL;
	int r, best = -1;

	r = list_dir("/proc", NULL, &entries);
	if (r < 0)
		return r;
	STRV_FOREACH(e, entries) {
		_cleanup_free_ char *path = NULL, *line = NULL;
		int pid;

		if (parse_int(*e, &pid) < 0 || pid <= 0)
			continue;
		if (asprintf(&path, "/proc/%s/comm", *e) < 0)
			return -ENOMEM;
		/* A process can exit between readdir and read: skip it. */
		if (read_one_line(path, &line) < 0)
			continue;
		if (streq(line, comm) && (best < 0 || pid < best))
			best = pid;
	}
	if (best < 0)
		return -ESRCH;
	*ret = best;
	return 0;
}
