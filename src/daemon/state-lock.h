/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/*
 * One kvmnetd per state directory.  A live daemon holds an exclusive
 * flock(2) on STATE_DIR/kvmnetd.lock for its whole life, with its pid in
 * the file so that a second one can say who holds it; the kernel drops the
 * lock when the daemon dies, however it dies, so a stale file is harmless.
 * It is taken before the daemon touches anything (journal, socket, sysfs).
 *
 * A dry run does not take it (it writes nothing the lock protects) and
 * never creates the file: it only asks whether a live daemon holds it, and
 * refuses to run next to one (see kvmnetd(8)).
 */
#define STATE_LOCK_FILE "kvmnetd.lock"

/* Create state_dir (0700, its parent must exist) and the lock file, lock
 * it and write this process's pid in it.  -EWOULDBLOCK when another
 * process holds it: *ret_holder is its pid (0 if the file does not say). */
int state_lock_take(const char *state_dir, int *ret_fd, pid_t *ret_holder);
/* After a fork (kvmnetd detaching): the pid in the file is the child's. */
int state_lock_write_pid(int fd);
/* Without creating anything: 1 and the holder's pid when a process holds
 * the lock, 0 when nobody does (or there is no file), or -errno. */
int state_lock_probe(const char *state_dir, pid_t *ret_holder);
