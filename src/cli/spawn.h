/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Child processes for `kvmnetctl bench` (ip, iperf3), each with a time
 * limit.  Set by the SIGINT/SIGTERM handler: waits return -EINTR. */
extern volatile sig_atomic_t spawn_interrupted;

/* Run argv (PATH lookup), wait at most timeout_ms, collect stdout into
 * *ret_out (may be NULL to discard; stderr goes to *ret_err likewise).
 * Returns the exit status (>= 0), -ETIMEDOUT (the child was killed),
 * -EINTR (interrupted; the child was killed) or -errno. */
int spawn_run(char *const argv[], int timeout_ms, char **ret_out, char **ret_err);

/* Start argv in the background, stdio on /dev/null, in its own process
 * group; stop it with spawn_stop(). */
int spawn_background(char *const argv[], pid_t *ret_pid);

/* SIGTERM, then SIGKILL after grace_ms; reaps.  pid <= 0 is a no-op. */
void spawn_stop(pid_t pid, int grace_ms);

/* Whether a background child has ended: 0 while it runs; 1 once it has
 * (reaped; *ret_status is its exit status, or 128 + signal). */
int spawn_exited(pid_t pid, int *ret_status);

/*
 * Every program spawned after this runs as user (when kvmnetctl runs as
 * root): bench's host-side iperf3 in VM mode talks to a guest, which is
 * not trusted, so it gets no root.  NULL: as kvmnetctl itself.  -ENOENT
 * when there is no such user.  A child that cannot drop to it exits 126
 * without running anything.
 */
int spawn_set_user(const char *user);

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long spawn_now_ms(void);
