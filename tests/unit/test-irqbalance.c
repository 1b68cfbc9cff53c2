/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/host/irqbalance.c against a fake irqbalance: a fake /proc naming
 * pid 4242 "irqbalance" and a socket bound where irqbalance 1.9 binds its
 * own, served by a child process that records the exact bytes and the
 * credentials it received, as irqbalance's sock_handle() reads them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "host/irqbalance.h"
#include "../lib/tmp-root.h"

static char root[TMP_ROOT_MAX];

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmp_root_put(root, rel, content), 0);
}

static int setup(void **state)
{
	return tmp_root_new(root, "irqbalance");
}

static int teardown(void **state)
{
	return tmp_root_remove(root);
}

/* Bind the fake irqbalance socket; a child accepts one connection and
 * writes "uid=N len=L:" and the bytes received to the pipe. */
static pid_t serve_once(const char *path, int *ret_pipe)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int one = 1, fd, p[2];
	pid_t pid;

	unlink(path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[500], ctrl[CMSG_SPACE(sizeof(struct ucred))], out[700];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
				     .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *c;
		int s = accept(fd, NULL, NULL), uid = -1, n;
		ssize_t len;

		len = s < 0 ? -1 : recvmsg(s, &mh, 0);
		c = len >= 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			uid = (int)((struct ucred *)CMSG_DATA(c))->uid;
		n = snprintf(out, sizeof(out), "uid=%d len=%zd:", uid, len);
		if (len > 0)
			memcpy(out + n, buf, (size_t)len), n += (int)len;
		(void)!write(p[1], out, (size_t)n);
		_exit(0);
	}
	close(fd);
	close(p[1]);
	*ret_pipe = p[0];
	return pid;
}

static char *collect(pid_t pid, int fd)
{
	static char got[800];
	ssize_t n;
	int status;

	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n > 0);
	got[n] = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return got;
}

static void test_format(void **state)
{
	unsigned irqs[100];
	char *s = NULL;

	assert_int_equal(irqbalance_format_ban(NULL, 0, &s), 0);
	assert_string_equal(s, "settings ban irqs NONE");
	free(s);
	irqs[0] = 37, irqs[1] = 38, irqs[2] = 1024;
	assert_int_equal(irqbalance_format_ban(irqs, 3, &s), 0);
	assert_string_equal(s, "settings ban irqs 37 38 1024");
	free(s);
	/* 51 four-digit irqs: 254 bytes of list fit, 52 do not. */
	for (int i = 0; i < 100; i++)
		irqs[i] = 1000 + (unsigned)i;
	assert_int_equal(irqbalance_format_ban(irqs, 51, &s), 0);
	assert_int_equal(strlen(s), strlen("settings ban irqs ") + 51 * 5 - 1);
	free(s);
	assert_int_equal(irqbalance_format_ban(irqs, 52, &s), -E2BIG);
}

static void test_find(void **state)
{
	pid_t pid = 0;
	char *path = NULL;

	put("/proc/1/comm", "systemd\n");
	put("/proc/self/comm", "irqbalance\n"); /* not a pid: skipped */
	put("/proc/17/cmdline", "");		/* gone before comm was read */
	assert_int_equal(irqbalance_find_pid(&pid), -ESRCH);
	put("/proc/4242/comm", "irqbalance\n");
	assert_int_equal(irqbalance_find_pid(&pid), 0);
	assert_int_equal(pid, 4242);
	/* Running, but no socket (built without the UI, or pre-1.4). */
	assert_int_equal(irqbalance_socket_path(pid, &path), -ENOENT);
	assert_int_equal(irqbalance_ban_irqs(NULL, 0), -ENOENT);
}

static void test_send(void **state)
{
	unsigned irqs[] = { 37, 38, 39 };
	char sock[512];
	int fd;
	pid_t child;

	put("/proc/4242/comm", "irqbalance\n");
	put("/run/irqbalance/.keep", "");
	snprintf(sock, sizeof(sock), "%s/run/irqbalance/irqbalance4242.sock", root);

	child = serve_once(sock, &fd);
	assert_int_equal(irqbalance_ban_irqs(irqs, 3), 0);
	/* Exactly the command, no newline or NUL, with our uid attached. */
	{
		char want[64];

		snprintf(want, sizeof(want), "uid=%d len=26:settings ban irqs 37 38 39", (int)geteuid());
		assert_string_equal(collect(child, fd), want);
	}

	/* The whole list each time: a second call replaces, so it repeats
	 * what is still wanted; an empty list clears. */
	child = serve_once(sock, &fd);
	assert_int_equal(irqbalance_ban_irqs(irqs, 1), 0);
	assert_true(strstr(collect(child, fd), ":settings ban irqs 37") != NULL);
	child = serve_once(sock, &fd);
	assert_int_equal(irqbalance_ban_irqs(NULL, 0), 0);
	assert_true(strstr(collect(child, fd), "len=22:settings ban irqs NONE") != NULL);

	/* Nobody listening: the socket file is stale. */
	assert_int_equal(irqbalance_ban_irqs(irqs, 3), -ECONNREFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_send),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
