/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "model/ctl-proto.h"

/*
 * The server side of kvmnetd's control socket (the protocol is
 * model/ctl-proto.h).  Requests are served inline with short timeouts: a
 * client that stalls costs the daemon at most one second, never a hang.
 */

/* Returns the reply (malloc'd) for a request, or -errno. */
typedef int (*ctl_handler)(const char *request, char **ret_reply, void *userdata);

/* Bind and listen at path (relative to nothing: the caller chooses the
 * root), replacing a stale socket, mode 0600.  Returns the fd. */
int ctl_listen(const char *path);
/* Accept one client on listen_fd and serve it.  `allowed_uid` is the only
 * uid served (0 in the daemon; the test's own uid in tests). */
int ctl_serve_one(int listen_fd, uid_t allowed_uid, ctl_handler handler, void *userdata);
