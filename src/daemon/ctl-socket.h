/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "model/ctl-proto.h"

/*
 * The server side of kvmnetd's control socket (the protocol is
 * model/ctl-proto.h).  The daemon serves its clients side by side
 * (ctl-conn.h): a client that stalls costs no other anything.
 */

/* Returns the reply (malloc'd) for a request, or -errno.  Served to
 * allowed_uid only (0 in the daemon; the test's own uid in tests). */
typedef int (*ctl_handler)(const char *request, char **ret_reply, void *userdata);

/* What is at a socket path: nothing, a socket nobody listens on (left by
 * a killed daemon), a live one (*ret_pid: the listener, 0 if unknown), or
 * something that is not a socket.  Or -errno. */
enum { CTL_SOCKET_NONE, CTL_SOCKET_STALE, CTL_SOCKET_LIVE, CTL_SOCKET_OTHER };
int ctl_socket_owner(const char *path, pid_t *ret_pid);
/* Bind and listen at path (relative to nothing: the caller chooses the
 * root), mode 0600.  Only a stale socket is replaced: -EADDRINUSE when
 * a process listens there, -EEXIST when it is not a socket (a regular
 * file is never deleted).  Returns the fd. */
int ctl_listen(const char *path);
