/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify_send() against a real datagram socket standing in for systemd,
 * on a path and in the abstract namespace. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/sd-notify.h"

static int listen_at(const char *name, int abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len;

	assert_true(fd >= 0);
	strcpy(sa.sun_path + abstract, name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract + strlen(name) + !abstract);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	return fd;
}

static void expect(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static void test_path(void **state)
{
	char path[] = "/tmp/kvmnet-notify-XXXXXX";
	char sock[64];
	int fd;

	assert_non_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/notify", path);
	fd = listen_at(sock, 0);
	setenv("NOTIFY_SOCKET", sock, 1);
	assert_int_equal(notify_send("READY=1"), 1);
	expect(fd, "READY=1");
	assert_int_equal(notify_sendf("STATUS=%u VMs", 3u), 1);
	expect(fd, "STATUS=3 VMs");
	close(fd);
	unlink(sock);
	rmdir(path);
}

static void test_abstract(void **state)
{
	char name[64], env[70];
	int fd;

	snprintf(name, sizeof(name), "kvmnet-test-notify-%d", (int)getpid());
	fd = listen_at(name, 1);
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(notify_send("STOPPING=1"), 1);
	expect(fd, "STOPPING=1");
	close(fd);
}

static void test_unset_and_bad(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "/nonexistent/dir/sock", 1);
	assert_int_equal(notify_send("READY=1"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_unset_and_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
