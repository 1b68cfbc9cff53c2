/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control socket's thread (src/daemon/ctl-server.c): the replies built
 * from a published view and the busy line, and the thread over a real Unix
 * socket, answering while this (the "main loop") thread does something
 * else, and while it publishes new views as fast as it can. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "socket-dir.h"
#include <json-c/json.h>

#include "basic/deadline.h"
#include "basic/string-util.h"
#include "daemon/ctl-server.h"
#include "basic/unix-socket.h"
#include "daemon/daemon.h"
#include "daemon/ctl-socket.h"


static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static void publish_text(CtlServer *s, const char *text)
{
	json_object *o = parse(text);

	assert_int_equal(ctl_server_publish(s, o), 0);
	json_object_put(o);
}

/* The reply at now_us, parsed; the text must end with one newline. */
static json_object *reply_at(CtlServer *s, uint64_t now_us)
{
	char *text = NULL;
	json_object *o;

	assert_int_equal(ctl_server_reply(s, now_us, &text), 0);
	assert_true(strlen(text) > 2 && text[strlen(text) - 1] == '\n' && text[strlen(text) - 2] == '}');
	o = parse(text);
	free(text);
	return o;
}

static CtlServer *start(void)
{
	CtlServer *s = NULL;

	assert_int_equal(ctl_server_start(path, getuid(), &s), 0);
	return s;
}

static void test_starting(void **state)
{
	CtlServer *s = start();
	char *text = NULL;

	/* Before the first view, exactly this: */
	assert_int_equal(ctl_server_reply(s, 0, &text), 0);
	assert_string_equal(text, "{\"mode\":\"starting\",\n  \"busy\": null\n}\n");
	free(text);
	ctl_server_free(s);
}

static void test_view_and_busy(void **state)
{
	CtlServer *s = start();
	json_object *o, *busy;

	publish_text(s, "{\"mode\":\"active\",\"m1\":3,\"vms\":[{\"name\":\"vm1\"}]}");
	o = reply_at(s, 5000000);
	assert_string_equal(json_object_get_string(get(o, "mode")), "active");
	assert_int_equal(json_object_get_int(get(o, "m1")), 3);
	assert_null(get(o, "busy"));
	json_object_put(o);

	/* Quotes and a backslash in the line come out escaped. */
	ctl_server_set_busy(s, "detach PF 0000:01:00.0 VF 0 (0000:01:10.0) from VM \"v\\m1\"", 1000000);
	o = reply_at(s, 4200000);
	busy = get(o, "busy");
	assert_string_equal(json_object_get_string(get(busy, "doing")),
			    "detach PF 0000:01:00.0 VF 0 (0000:01:10.0) from VM \"v\\m1\"");
	assert_int_equal(json_object_get_int64(get(busy, "for_ms")), 3200);
	assert_int_equal(json_object_get_int(get(o, "m1")), 3);
	json_object_put(o);

	/* A clock read before the mark (another thread's) is not negative. */
	o = reply_at(s, 999000);
	assert_int_equal(json_object_get_int64(get(get(o, "busy"), "for_ms")), 0);
	json_object_put(o);

	/* A new view replaces the old one; busy stays until cleared. */
	publish_text(s, "{\"mode\":\"inactive\",\"m1\":1}");
	o = reply_at(s, 2000000);
	assert_int_equal(json_object_get_int(get(o, "m1")), 1);
	assert_false(json_object_object_get_ex(o, "vms", NULL));
	assert_int_equal(json_object_get_int64(get(get(o, "busy"), "for_ms")), 1000);
	json_object_put(o);
	ctl_server_set_busy(s, NULL, 0);
	o = reply_at(s, 2000000);
	assert_null(get(o, "busy"));
	json_object_put(o);
	ctl_server_free(s);
}

static void test_odd_views(void **state)
{
	CtlServer *s = start();
	json_object *o, *arr = json_object_new_array();
	char *text = NULL;

	/* An empty object: no comma before "busy". */
	publish_text(s, "{}");
	assert_int_equal(ctl_server_reply(s, 0, &text), 0);
	assert_string_equal(text, "{\n  \"busy\": null\n}\n");
	free(text);

	/* Not an object: refused, the last view kept. */
	publish_text(s, "{\"m1\":7}");
	assert_int_equal(ctl_server_publish(s, arr), -EINVAL);
	assert_int_equal(ctl_server_publish(s, NULL), -EINVAL);
	json_object_put(arr);
	o = reply_at(s, 0);
	assert_int_equal(json_object_get_int(get(o, "m1")), 7);
	json_object_put(o);

	/* A string whose text holds braces and a closing brace at its end. */
	publish_text(s, "{\"problems\":[\"PF {x}: gone }\"],\"nested\":{\"a\":{}}}");
	o = reply_at(s, 0);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(o, "problems"), 0)), "PF {x}: gone }");
	assert_null(get(o, "busy"));
	json_object_put(o);

	/* Without a server every call is a no-op. */
	assert_int_equal(ctl_server_publish(NULL, NULL), 0);
	ctl_server_set_busy(NULL, "x", 0);
	ctl_server_free(NULL);
	ctl_server_free(s);
}

static void test_busy_cut(void **state)
{
	CtlServer *s = start();
	char longer[CTL_BUSY_MAX + 64];
	json_object *o;
	const char *doing;
	size_t n;

	/* "é" (2 bytes) straddles the cut at CTL_BUSY_MAX - 1 bytes. */
	memset(longer, 'a', sizeof(longer));
	memcpy(longer + CTL_BUSY_MAX - 2, "\xc3\xa9", 2);
	longer[sizeof(longer) - 1] = 0;
	ctl_server_set_busy(s, longer, 0);
	o = reply_at(s, 0);
	doing = json_object_get_string(get(get(o, "busy"), "doing"));
	n = strlen(doing);
	assert_int_equal(n, CTL_BUSY_MAX - 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(doing[i], 'a');
	json_object_put(o);

	/* When it fits, the whole character stays. */
	longer[CTL_BUSY_MAX - 3] = 0;
	memcpy(longer + CTL_BUSY_MAX - 5, "\xc3\xa9", 2);
	ctl_server_set_busy(s, longer, 0);
	o = reply_at(s, 0);
	doing = json_object_get_string(get(get(o, "busy"), "doing"));
	assert_int_equal(strlen(doing), CTL_BUSY_MAX - 3);
	assert_memory_equal(doing + CTL_BUSY_MAX - 5, "\xc3\xa9", 2);
	json_object_put(o);
	ctl_server_free(s);
}

static bool valid_utf8(const char *s)
{
	for (size_t n = strlen(s), i = 0, k; i < n; i += k)
		if ((k = utf8_char_len(s + i, n - i)) == 0)
			return false;
	return true;
}

/* daemon_busy() with a VM whose UTF-8 name straddles the limit: the line
 * is cut before the character, not inside it (it used to be formatted
 * into a CTL_BUSY_MAX buffer first, splitting it). */
static void test_daemon_busy_cut(void **state)
{
	Daemon d = { .ctl = start() };
	char name[CTL_BUSY_MAX];
	json_object *o;
	const char *doing;

	for (size_t i = 0; i + 2 < sizeof(name); i += 2)
		memcpy(name + i, "\xc3\xa9", 2);
	name[sizeof(name) - 2] = 0;
	for (size_t pad = 0; pad < 4; pad++) {
		daemon_busy(&d, "detach VF 0 from VM %.*s%s", (int)pad, "xxx", name);
		o = reply_at(d.ctl, 0);
		doing = json_object_get_string(get(get(o, "busy"), "doing"));
		assert_non_null(doing);
		assert_true(strlen(doing) >= CTL_BUSY_MAX - 2);
		assert_true(valid_utf8(doing));
		json_object_put(o);
	}
	ctl_server_free(d.ctl);
}

/* Over the socket: the thread answers while this thread only asks, as a
 * client would while the main loop sits in a libvirt call. */
static void test_socket(void **state)
{
	CtlServer *s = start();
	struct stat st;
	char *reply = NULL;
	json_object *o;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	publish_text(s, "{\"mode\":\"active\",\"m1\":2}");
	ctl_server_set_busy(s, "observing libvirt", now_monotonic_us() - 1500000);
	assert_int_equal(unix_request(path, "status", CTL_MAX_REPLY, &reply), 0);
	o = parse(reply);
	free(reply);
	assert_int_equal(json_object_get_int(get(o, "m1")), 2);
	assert_string_equal(json_object_get_string(get(get(o, "busy"), "doing")), "observing libvirt");
	assert_true(json_object_get_int64(get(get(o, "busy"), "for_ms")) >= 1500);
	json_object_put(o);

	assert_int_equal(unix_request(path, "reload", CTL_MAX_REPLY, &reply), 0);
	assert_string_equal(reply, "{\"error\":\"Operation not supported\"}\n");
	free(reply);

	/* Stopped: joined, the socket gone. */
	ctl_server_free(s);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(unix_request(path, "status", CTL_MAX_REPLY, &reply), -ENOENT);
}

static void test_start_fails(void **state)
{
	char longpath[200];
	CtlServer *s = NULL;

	memset(longpath, 'x', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	assert_int_equal(ctl_server_start(longpath, getuid(), &s), -ENAMETOOLONG);
	assert_int_equal(ctl_server_start("/nonexistent-kvmnet-dir/sock", getuid(), &s), -ENOENT);
	assert_null(s);
}

/* At least ROUNDS requests, and on until 3 views were seen (a loaded
 * machine may run the publisher seldom), at most MAX_ROUNDS. */
#define ROUNDS 300
#define MAX_ROUNDS 100000

typedef struct Reader {
	unsigned seen_views; /* distinct views seen, in order */
	int bad;
} Reader;

/* Each view is {"n": N, "pad": "x" * (N * 37 % 5000)}: a reply made of
 * a freed or half-written view would not match its own n. */
static void *reader(void *userdata)
{
	Reader *rd = userdata;
	int64_t last = -1;

	for (int i = 0; i < MAX_ROUNDS && (i < ROUNDS || rd->seen_views < 3); i++) {
		char *reply = NULL;
		json_object *o, *n, *pad;

		if (unix_request(path, "status", CTL_MAX_REPLY, &reply) < 0) {
			rd->bad++;
			continue;
		}
		o = json_tokener_parse(reply);
		free(reply);
		if (!o || !json_object_object_get_ex(o, "n", &n) || !json_object_object_get_ex(o, "pad", &pad) ||
		    (size_t)json_object_get_string_len(pad) != (size_t)(json_object_get_int64(n) * 37 % 5000) ||
		    !json_object_object_get_ex(o, "busy", NULL))
			rd->bad++;
		else if (json_object_get_int64(n) != last) {
			rd->seen_views++;
			last = json_object_get_int64(n);
		}
		json_object_put(o);
	}
	return NULL;
}

static void test_publish_while_asked(void **state)
{
	CtlServer *s = start();
	Reader rd = { 0 };
	pthread_t t;
	char *pad = malloc(5001);
	int64_t n = 0;
	int done = 0;

	assert_non_null(pad);
	publish_text(s, "{\"n\":0,\"pad\":\"\"}");
	assert_int_equal(pthread_create(&t, NULL, reader, &rd), 0);
	/* Publish and mark busy as fast as possible until the reader ends. */
	while (!done) {
		json_object *o = json_object_new_object();
		size_t len;

		n++;
		len = (size_t)(n * 37 % 5000);
		memset(pad, 'x', len);
		pad[len] = 0;
		json_object_object_add(o, "n", json_object_new_int64(n));
		json_object_object_add(o, "pad", json_object_new_string(pad));
		assert_int_equal(ctl_server_publish(s, o), 0);
		json_object_put(o);
		ctl_server_set_busy(s, n % 2 ? "odd" : NULL, now_monotonic_us());
		done = pthread_tryjoin_np(t, NULL) == 0;
	}
	free(pad);
	assert_int_equal(rd.bad, 0);
	/* The views changed under the reader, more than once. */
	assert_true(rd.seen_views >= 3);
	ctl_server_free(s);
}

static int setup(void **state)
{
	return socket_dir_setup("sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starting),	 cmocka_unit_test(test_view_and_busy),
		cmocka_unit_test(test_odd_views),	 cmocka_unit_test(test_busy_cut),
		cmocka_unit_test(test_daemon_busy_cut),
		cmocka_unit_test(test_socket),		 cmocka_unit_test(test_start_fails),
		cmocka_unit_test(test_publish_while_asked),
	};

	return cmocka_run_group_tests(tests, setup, socket_dir_teardown);
}
