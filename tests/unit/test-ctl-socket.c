/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control socket over a real Unix socket: a forked client asks, the
 * server answers; a peer with another uid is refused. */
#include <errno.h>
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

#include "basic/unix-socket.h"
#include "daemon/ctl-socket.h"

static char dir[] = "/tmp/kvmnet-ctl-XXXXXX";
static char path[128];

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

static void test_roundtrip(void **state)
{
	int calls = 0, status, fd;
	struct stat st;
	pid_t pid;

	fd = ctl_listen(path);
	assert_true(fd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	pid = ask("status", "{\"mode\":\"active\"}\n");
	for (int i = 0; i < 200; i++) {
		int r = ctl_serve_one(fd, getuid(), answer, &calls);

		if (r != -EAGAIN)
			break;
		usleep(10000);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(calls, 1);

	pid = ask("frobnicate", "{\"error\":\"Operation not supported\"}\n");
	for (int i = 0; i < 200 && ctl_serve_one(fd, getuid(), answer, &calls) == -EAGAIN; i++)
		usleep(10000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

static void test_other_uid_refused(void **state)
{
	int calls = 0, status, fd, r = -EAGAIN;
	pid_t pid;

	fd = ctl_listen(path);
	assert_true(fd >= 0);
	pid = ask("status", "{\"error\":\"permission denied\"}\n");
	for (int i = 0; i < 200 && r == -EAGAIN; i++) {
		r = ctl_serve_one(fd, getuid() + 1, answer, &calls);
		if (r == -EAGAIN)
			usleep(10000);
	}
	assert_int_equal(r, -EPERM);
	assert_int_equal(calls, 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
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
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/kvmnetd.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_other_uid_refused),
		cmocka_unit_test(test_no_daemon),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
