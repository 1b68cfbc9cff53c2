/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control socket's clients side by side (src/daemon/ctl-conn.c), over
 * real Unix sockets (issue 19, item 7): idle clients and one trickling a
 * byte at a time delay neither another client's answer nor the stop, and a
 * request over the size limit gets a JSON error, not a reset. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "socket-dir.h"
#include <json-c/json.h>

#include "basic/deadline.h"
#include "basic/unix-socket.h"
#include "daemon/ctl-server.h"
#include "daemon/ctl-socket.h"

#define IDLE 17


static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

typedef struct Trickler {
	int fd;
	volatile bool stop;
} Trickler;

/* A byte every 100 ms, never a newline: before, each byte renewed the
 * 1 s receive timeout and the one-at-a-time server was held for good. */
static void *trickle(void *userdata)
{
	Trickler *t = userdata;

	while (!t->stop && send(t->fd, "s", 1, MSG_NOSIGNAL) == 1)
		usleep(100000);
	return NULL;
}

static CtlServer *start(void)
{
	CtlServer *s = NULL;
	json_object *o = json_tokener_parse("{\"mode\":\"active\"}");

	assert_int_equal(ctl_server_start(path, getuid(), &s), 0);
	assert_int_equal(ctl_server_publish(s, o), 0);
	json_object_put(o);
	return s;
}

static void test_idle_and_trickler(void **state)
{
	CtlServer *s = start();
	Trickler t = { .fd = client() };
	int idle[IDLE];
	pthread_t th;
	uint64_t t0, dt;
	char *reply = NULL;

	for (int i = 0; i < IDLE; i++)
		idle[i] = client();
	assert_int_equal(pthread_create(&th, NULL, trickle, &t), 0);
	usleep(300000);
	/* ctl_request gives up after 1 s: before, the server sat on the
	 * first idle client for that long, and on the trickler for ever. */
	for (int i = 0; i < 5; i++) {
		t0 = now_monotonic_us();
		assert_int_equal(unix_request(path, "status", CTL_MAX_REPLY, &reply), 0);
		dt = now_monotonic_us() - t0;
		assert_non_null(strstr(reply, "\"active\""));
		free(reply);
		reply = NULL;
		printf("status with %d idle clients and a trickler: %.1f ms\n", IDLE, (double)dt / 1000);
	}
	/* The stop does not wait for any of them (before: for each in turn). */
	t0 = now_monotonic_us();
	ctl_server_free(s);
	dt = now_monotonic_us() - t0;
	printf("stop with them connected: %.1f ms\n", (double)dt / 1000);
	assert_true(dt < 500000);
	t.stop = true;
	pthread_join(th, NULL);
	close(t.fd);
	for (int i = 0; i < IDLE; i++)
		close(idle[i]);
}

/* Read to EOF; -errno when the read fails (a reset). */
static int read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = recv(fd, buf + len, size - 1 - len, 0);

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return 0;
}

static void test_too_long(void **state)
{
	CtlServer *s = start();
	char big[4096], buf[512];
	int fd = client();

	/* Over the limit, then more: all of it sent before the reply is read,
	 * as a careless client would. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(send(fd, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
	assert_int_equal(read_all(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "{\"error\":\"request too long (at most 255 bytes and a newline)\"}\n");
	close(fd);

	/* A request cut short (no newline, then EOF) is answered too. */
	fd = client();
	assert_int_equal(send(fd, "stat", 4, MSG_NOSIGNAL), 4);
	shutdown(fd, SHUT_WR);
	assert_int_equal(read_all(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "{\"error\":\"request without a newline\"}\n");
	close(fd);
	ctl_server_free(s);
}

static int setup(void **state)
{
	return socket_dir_setup("sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_and_trickler),
		cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, setup, socket_dir_teardown);
}
