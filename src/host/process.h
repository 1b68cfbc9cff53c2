/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Processes as /proc shows them. */

/* The lowest pid whose /proc/<pid>/comm is comm; -ENOENT when none. */
int process_find_by_comm(const char *comm, pid_t *ret);
