/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* A real process under a chosen name, and the /proc entries a fake root
 * shows for it, for tests of code that finds a daemon by name and must
 * tell root's own program from a local user's impostor. */
#include <sys/types.h>

/* Copy sleep(1) to DIR/NAME with mode; chown it to uid when root (a
 * non-root test's copy is its own, non-root, either way). */
int fake_proc_program(const char *dir, const char *name, mode_t mode, uid_t uid, char *ret_path, size_t size);
/* Run PATH as "NAME 60", as uid (when root; else as ourselves).  The
 * child's pid, or -1. */
pid_t fake_proc_spawn(const char *path, const char *name, uid_t uid);
/* ROOT/proc/PID/{comm,status,exe}: comm NAME, Uid: line of uid, exe a
 * symlink to exe_target (any string: "X (deleted)" too). */
int fake_proc_entries(const char *root, pid_t pid, const char *name, uid_t uid, const char *exe_target);
/* SIGKILL and reap a child; 1 when it was still running. */
int fake_proc_kill(pid_t pid);
