/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "basic/macro.h"
#include "basic/unix-socket.h"
#include "daemon/ctl-socket.h"

int ctl_socket_owner(const char *path, pid_t *ret_pid)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t len, clen = sizeof(cred);
	struct stat st;
	int r;

	r = unix_socket_addr(path, &sa, &len);
	if (r < 0)
		return r;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? CTL_SOCKET_NONE : negative_errno();
	if (!S_ISSOCK(st.st_mode))
		return CTL_SOCKET_OTHER;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	/* Non-blocking: a listener with a full backlog says EAGAIN at once
	 * instead of making us wait, and it is alive all the same. */
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		if (errno == ECONNREFUSED)
			return CTL_SOCKET_STALE;
		if (errno != EAGAIN && errno != EINPROGRESS)
			return negative_errno();
		*ret_pid = 0;
		return CTL_SOCKET_LIVE;
	}
	/* The listener's credentials, taken when it called listen(). */
	*ret_pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 ? cred.pid : 0;
	return CTL_SOCKET_LIVE;
}

int ctl_listen(const char *path)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;
	socklen_t len;
	pid_t pid;
	mode_t old;
	int r;

	r = unix_socket_addr(path, &sa, &len);
	if (r < 0)
		return r;
	/* Only a socket nobody listens on (left by a killed daemon) is
	 * removed; a live one or anything that is not a socket is not ours. */
	r = ctl_socket_owner(path, &pid);
	if (r < 0)
		return r;
	if (r == CTL_SOCKET_LIVE)
		return -EADDRINUSE;
	if (r == CTL_SOCKET_OTHER)
		return -EEXIST;
	if (r == CTL_SOCKET_STALE && unlink(path) < 0 && errno != ENOENT)
		return negative_errno();
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	/* Created 0600 from the start: no window where others could connect. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, len);
	umask(old);
	if (r < 0)
		return negative_errno();
	if (listen(fd, 16) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

