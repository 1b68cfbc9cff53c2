/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "basic/macro.h"
#include "basic/unix-socket.h"

int unix_socket_addr(const char *path, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

void unix_socket_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 1 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int unix_send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0)
			return negative_errno();
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int unix_request(const char *path, const char *request, size_t max_reply, char **ret_reply)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL, *line = NULL;
	struct sockaddr_un sa;
	size_t len = 0, cap = 0;
	socklen_t salen;
	int r;

	r = unix_socket_addr(path, &sa, &salen);
	if (r < 0)
		return r;
	if (asprintf(&line, "%s\n", request) < 0)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	unix_socket_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0)
		return negative_errno();
	r = unix_send_all(fd, line, strlen(line));
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb;

			if (cap >= max_reply)
				return -EMSGSIZE;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf)
		return -ECONNRESET;
	buf[len] = 0;
	*ret_reply = TAKE_PTR(buf);
	return 0;
}
