/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/*
 * Unix stream sockets for a one-request, one-reply exchange: the request
 * is one line, the reply everything the peer sends until it closes.
 * Every wait is bounded by one-second socket timeouts, so a peer that
 * stalls costs a second, never a hang.
 */

/* A filesystem socket address for path: -ENAMETOOLONG when it does not
 * fit sun_path (or is empty). */
int unix_socket_addr(const char *path, struct sockaddr_un *sa, socklen_t *len);
/* SO_RCVTIMEO and SO_SNDTIMEO of one second. */
void unix_socket_timeouts(int fd);
/* All of data, or -errno; never SIGPIPE. */
int unix_send_all(int fd, const char *data, size_t len);
/* Client side: connect to path, send request and a newline, read the
 * whole reply (at most max_reply bytes: -EMSGSIZE beyond). */
int unix_request(const char *path, const char *request, size_t max_reply, char **ret_reply);
