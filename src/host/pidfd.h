/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/*
 * Processes held by a pidfd (Linux >= 5.3): a signal sent through it
 * reaches the process it was opened on or none, never a process that
 * inherited a recycled pid.  pidfds are always close-on-exec.
 */

/* pidfd_open(2).  -ESRCH when no such process. */
int pidfd_open_pid(pid_t pid, int *ret_fd);
/* pidfd_send_signal(2); sig 0 only asks whether it still runs (-ESRCH
 * when it has exited). */
int pidfd_signal(int fd, int sig);
/* Wait up to timeout_ms for it to exit: 0 when it has, -ETIMEDOUT. */
int pidfd_wait_exit(int fd, int timeout_ms);
