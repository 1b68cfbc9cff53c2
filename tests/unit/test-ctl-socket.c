/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control socket over a real Unix socket: a forked client asks, the
 * server (ctl-conn.h, as the daemon's thread runs it) answers; a peer with
 * another uid is refused; ctl_listen() replaces only a stale socket. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "socket-dir.h"

#include "basic/deadline.h"
#include "daemon/ctl-conn.h"
#include "basic/unix-socket.h"
#include "daemon/ctl-socket.h"


static int answer(const char *request, char **ret_reply, void *userdata)
{
	int *calls = userdata;

	(*calls)++;
	if (strcmp(request, "status") != 0)
		return -EOPNOTSUPP;
	*ret_reply = strdup("{\"mode\":\"active\"}\n");
	return *ret_reply ? 0 : -ENOMEM;
}

/* Child: ask, compare, exit 0 on the expected reply. */
static pid_t ask(const char *request, const char *want)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *reply = NULL;
		int r = unix_request(path, request, CTL_MAX_REPLY, &reply);

		_exit(r == 0 && strcmp(reply, want) == 0 ? 0 : 1);
	}
	return pid;
}

/* Serve as the daemon's thread does until the child pid exits (at most
 * 5 s); its exit status. */
static int serve_until(int fd, uid_t uid, int *calls, pid_t pid)
{
	struct pollfd p[1 + CTL_MAX_CLIENTS];
	CtlConns cs;
	int status = -1;

	assert_int_equal(ctl_conns_init(&cs, uid, answer, calls), 0);
	for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++) {
		int timeout;
		size_t n = ctl_conns_pollfds(&cs, p + 1, now_monotonic_us(), &timeout);

		p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		assert_true(poll(p, 1 + n, 10) >= 0);
		ctl_conns_process(&cs, p + 1, n, now_monotonic_us());
		if (p[0].revents & POLLIN)
			ctl_conns_accept(&cs, fd, now_monotonic_us());
	}
	ctl_conns_done(&cs);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_roundtrip(void **state)
{
	int calls = 0, fd;
	struct stat st;

	fd = ctl_listen(path);
	assert_true(fd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(serve_until(fd, getuid(), &calls, ask("status", "{\"mode\":\"active\"}\n")), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(serve_until(fd, getuid(), &calls,
				     ask("frobnicate", "{\"error\":\"Operation not supported\"}\n")), 0);
	close(fd);
}

static void test_other_uid_refused(void **state)
{
	int calls = 0, fd;

	fd = ctl_listen(path);
	assert_true(fd >= 0);
	assert_int_equal(serve_until(fd, getuid() + 1, &calls, ask("status", "{\"error\":\"permission denied\"}\n")),
			 0);
	assert_int_equal(calls, 0);
	close(fd);
}

/* Only a stale socket is replaced (issue 19): not a live one, not a file. */
static void test_listen_replaces_only_stale(void **state)
{
	char buf[16] = "";
	pid_t pid = -1;
	int fd, fd2;
	FILE *f;

	unlink(path);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(ctl_listen(path), -EEXIST);
	assert_int_equal(ctl_socket_owner(path, &pid), CTL_SOCKET_OTHER);
	f = fopen(path, "re");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "precious");
	unlink(path);

	assert_int_equal(ctl_socket_owner(path, &pid), CTL_SOCKET_NONE);
	fd = ctl_listen(path);
	assert_true(fd >= 0);
	assert_int_equal(ctl_socket_owner(path, &pid), CTL_SOCKET_LIVE);
	assert_int_equal(pid, getpid());
	assert_int_equal(ctl_listen(path), -EADDRINUSE);
	close(fd);
	/* Closed without unlink, as by a SIGKILL: stale, and replaced. */
	assert_int_equal(ctl_socket_owner(path, &pid), CTL_SOCKET_STALE);
	fd2 = ctl_listen(path);
	assert_true(fd2 >= 0);
	close(fd2);
}

static void test_no_daemon(void **state)
{
	char *reply = NULL;

	unlink(path);
	assert_int_equal(unix_request(path, "status", CTL_MAX_REPLY, &reply), -ENOENT);
	assert_null(reply);
}

static int setup(void **state)
{
	return socket_dir_setup("kvmnetd.sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_other_uid_refused),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_listen_replaces_only_stale),
	};
	return cmocka_run_group_tests(tests, setup, socket_dir_teardown);
}
