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

int ctl_listen(const char *path)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;
	socklen_t len;
	mode_t old;
	int r;

	r = unix_socket_addr(path, &sa, &len);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	/* A socket left by a killed daemon would make bind fail. */
	(void)unlink(path);
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

static int read_request(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		ssize_t n = recv(fd, buf + len, size - 1 - len, 0);

		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = 0;
	if (!memchr(buf, '\n', len))
		return len == size - 1 ? -EMSGSIZE : -EBADMSG;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int ctl_serve_one(int listen_fd, uid_t allowed_uid, ctl_handler handler, void *userdata)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *reply = NULL;
	char req[CTL_MAX_REQUEST];
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int r;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return negative_errno();
	unix_socket_timeouts(fd);
	/* Read the request even from a refused peer: closing on unread data
	 * resets the connection and the peer would never see why. */
	r = read_request(fd, req, sizeof(req));
	if (cred.uid != allowed_uid) {
		(void)unix_send_all(fd, "{\"error\":\"permission denied\"}\n", 30);
		return -EPERM;
	}
	if (r < 0)
		return r;
	r = handler(req, &reply, userdata);
	if (r < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "{\"error\":\"%s\"}\n", strerror(-r));
		return unix_send_all(fd, msg, strlen(msg));
	}
	return unix_send_all(fd, reply, strlen(reply));
}

