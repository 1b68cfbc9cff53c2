/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Processes as /proc shows them. */

/* The lowest pid whose /proc/<pid>/comm is comm; -ESRCH when none, other
 * errors when /proc cannot be listed. */
int process_find_by_comm(const char *comm, pid_t *ret);
