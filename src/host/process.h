/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Processes as /proc shows them. */

/* The lowest pid whose /proc/<pid>/comm is comm; -ESRCH when none, other
 * errors when /proc cannot be listed. */
int process_find_by_comm(const char *comm, pid_t *ret);

/* The lowest pid whose comm is name and that is root's own program of that
 * name, as a daemon kvmnet signals or talks to must be: real and effective
 * uid 0 (/proc/PID/status), its executable (/proc/PID/exe) a regular file
 * called name, owned by root, writable by no one else and not deleted.  Any
 * local user can name a process anything: one that fails a check is
 * skipped.  The process is held by a pidfd opened before the checks and
 * found alive after them, so the pid checked is the pid held (a pid is not
 * reused while its process lives); in *ret_pidfd when it is not NULL.
 * -ESRCH when there is none. */
int process_find_root_exe(const char *name, pid_t *ret_pid, int *ret_pidfd);
