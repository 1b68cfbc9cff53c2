/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest agent as a unix socket, for tests: see guest_agent_test_dir(). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "basic/deadline.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "guest-agent.h"

const char *guest_agent_test_dir(void)
{
	const char *d = getenv("KVMNET_GUEST_AGENT_DIR");

	return isempty(d) ? NULL : d;
}

#define error_message(ret_error, r, ...) error_setf(ret_error, r, __VA_ARGS__)

static int connect_agent(const char *dir, const char *domain, char **ret_error)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, domain) >= sizeof(sa.sun_path))
		return error_message(ret_error, -ENAMETOOLONG, "%s/%s.sock: path too long", dir, domain);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		/* As libvirt says when nothing is behind the channel. */
		return error_message(ret_error, -ENOTCONN, "QEMU guest agent is not connected (%s: %s)", sa.sun_path,
				     strerror(errno));
	}
	return fd;
}

/* One line back, within timeout_s. */
static int read_line(int fd, int timeout_s, char **ret)
{
	uint64_t deadline = deadline_after_us((uint64_t)timeout_s * 1000000);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	while (len == 0 || buf[len - 1] != '\n') {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (now_monotonic_us() >= deadline || poll(&p, 1, 1000) < 0) {
			free(buf);
			return -ETIMEDOUT;
		}
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		if (cap - len < 2) {
			char *nb = cap >= GA_REPLY_MAX ? NULL : realloc(buf, cap *= 2);

			if (!nb) {
				free(buf);
				return -EFBIG;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -ECONNRESET;
		}
		len += (size_t)n;
	}
	buf[len] = 0;
	*ret = buf;
	return 0;
}

int guest_agent_socket_command(const char *dir, const char *domain, const char *cmd, char **ret_reply,
			       char **ret_error)
{
	_cleanup_close_ int fd = connect_agent(dir, domain, ret_error);
	_cleanup_free_ char *reply = NULL, *desc = NULL, *line = NULL;
	int r;

	if (fd < 0)
		return fd;
	if (asprintf(&line, "%s\n", cmd) < 0)
		return -ENOMEM;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return error_message(ret_error, -ENOTCONN, "QEMU guest agent is not connected (%s: %s)", domain,
				     "short write");
	r = read_line(fd, GUEST_AGENT_TIMEOUT_S, &reply);
	if (r == -EFBIG)
		return error_message(ret_error, r, "the guest agent's reply is over %zu MiB", GA_REPLY_MAX >> 20);
	if (r < 0)
		return error_message(ret_error, -ENOTCONN, "Guest agent is not responding: %s (%s)", strerror(-r),
				     domain);
	/* Errors come back as libvirt words them. */
	if (ga_parse_error(reply, strlen(reply), &desc) == 0) {
		_cleanup_free_ char *name = NULL;
		const char *q = strstr(cmd, "\"execute\":\"");

		name = q ? strndup(q + 11, strcspn(q + 11, "\"")) : strdup("?");
		return error_message(ret_error, -EREMOTEIO, "unable to execute QEMU agent command '%s': %s",
				     name ? name : "?", desc);
	}
	*ret_reply = TAKE_PTR(reply);
	return 0;
}
