/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "daemon/ctl-conn.h"
#include "daemon/ctl-server.h"
#include "daemon/ctl-socket.h"

/* A published view: the JSON object's text up to (not including) its
 * closing brace, so that a reply appends "busy" without parsing it. */
typedef struct View {
	unsigned n_ref; /* atomic */
	bool empty;	/* "{}": no comma before "busy" */
	size_t len;
	char text[];
} View;

struct CtlServer {
	char *path;
	uid_t uid;
	int listen_fd, stop_fd;
	pthread_t thread;
	bool running;
	dev_t dev; /* the socket's inode, to unlink only our own at the end */
	ino_t ino;
	pthread_mutex_t lock; /* guards view, busy, busy_since_us */
	View *view;
	char busy[CTL_BUSY_MAX];
	uint64_t busy_since_us;
};

static View *view_new(const char *text, size_t len, bool empty)
{
	View *v = malloc(sizeof(View) + len + 1);

	if (!v)
		return NULL;
	v->n_ref = 1;
	v->empty = empty;
	v->len = len;
	memcpy(v->text, text, len);
	v->text[len] = 0;
	return v;
}

static void view_unref(View *v)
{
	if (v && __atomic_sub_fetch(&v->n_ref, 1, __ATOMIC_ACQ_REL) == 0)
		free(v);
}

/* Under s->lock: the pointer is the server's, so it cannot go away
 * between reading it and counting this reference. */
static View *view_ref_locked(View *v)
{
	if (v)
		__atomic_add_fetch(&v->n_ref, 1, __ATOMIC_RELAXED);
	return v;
}

/* The object's text up to its closing brace, the space before it cut. */
static int view_from_json(json_object *o, View **ret)
{
	const char *text;
	View *v;
	size_t len;

	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	/* json-c writes an object as "{ ... }" with nothing after. */
	if (len < 2 || text[len - 1] != '}')
		return -EINVAL;
	len--;
	while (len > 1 && strchr(" \t\r\n", text[len - 1]))
		len--;
	v = view_new(text, len, json_object_object_length(o) == 0);
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

int ctl_server_publish(CtlServer *s, json_object *view)
{
	View *v = NULL, *old;
	int r;

	if (!s)
		return 0;
	r = view_from_json(view, &v);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	old = s->view;
	s->view = v;
	pthread_mutex_unlock(&s->lock);
	view_unref(old);
	return 0;
}

void ctl_server_set_busy(CtlServer *s, const char *what, uint64_t now_us)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	/* A VM's name may be UTF-8: half a character would make the reply
	 * invalid JSON. */
	if (what) {
		size_t n = utf8_prefix_len(what, sizeof(s->busy) - 1);

		memcpy(s->busy, what, n);
		s->busy[n] = 0;
	} else
		s->busy[0] = 0;
	s->busy_since_us = now_us;
	pthread_mutex_unlock(&s->lock);
}

/* ",\n  \"busy\": ..." for a view's text, as a JSON member. */
static char *busy_member(const char *busy, uint64_t since_us, uint64_t now_us, bool first)
{
	json_object *b = NULL;
	char *ret = NULL;

	if (busy[0]) {
		b = json_object_new_object();
		json_object_object_add(b, "doing", json_object_new_string(busy));
		json_object_object_add(b, "for_ms",
				       json_object_new_int64(now_us > since_us ? (int64_t)((now_us - since_us) / 1000) : 0));
	}
	if (asprintf(&ret, "%s\n  \"busy\": %s", first ? "" : ",",
		     b ? json_object_to_json_string_ext(b, JSON_C_TO_STRING_SPACED) : "null") < 0)
		ret = NULL;
	json_object_put(b);
	return ret;
}

int ctl_server_reply(CtlServer *s, uint64_t now_us, char **ret_reply)
{
	_cleanup_free_ char *member = NULL;
	char busy[CTL_BUSY_MAX];
	uint64_t since;
	View *v;
	int r;

	pthread_mutex_lock(&s->lock);
	v = view_ref_locked(s->view);
	memcpy(busy, s->busy, sizeof(busy));
	since = s->busy_since_us;
	pthread_mutex_unlock(&s->lock);

	member = busy_member(busy, since, now_us, v ? v->empty : false);
	if (!member) {
		view_unref(v);
		return -ENOMEM;
	}
	/* Before the first view: "starting", without its brace. */
	r = asprintf(ret_reply, "%.*s%s\n}\n", v ? (int)v->len : (int)strlen(CTL_VIEW_STARTING) - 1,
		     v ? v->text : CTL_VIEW_STARTING, member);
	view_unref(v);
	return r < 0 ? -ENOMEM : 0;
}

static int answer(const char *request, char **ret_reply, void *userdata)
{
	if (strcmp(request, CTL_REQUEST_STATUS) != 0)
		return -EOPNOTSUPP;
	return ctl_server_reply(userdata, now_monotonic_us(), ret_reply);
}

static void *serve(void *userdata)
{
	CtlServer *s = userdata;
	struct pollfd p[2 + CTL_MAX_CLIENTS];
	CtlConns cs;

	if (ctl_conns_init(&cs, s->uid, answer, s) < 0) {
		log_error("Control socket %s: out of memory; not answering", s->path);
		return NULL;
	}
	for (;;) {
		size_t n;
		int timeout;

		/* No client, no timeout: a daemon nobody asks never wakes. */
		n = ctl_conns_pollfds(&cs, p + 2, now_monotonic_us(), &timeout);
		/* Full: new clients wait in the backlog until a slot frees. */
		p[0] = (struct pollfd){ .fd = n < CTL_MAX_CLIENTS ? s->listen_fd : -1, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
		if (poll(p, 2 + n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(errno, "Control socket %s: poll: %m; no longer answering", s->path);
			break;
		}
		if (p[1].revents)
			break;
		ctl_conns_process(&cs, p + 2, n, now_monotonic_us());
		if (p[0].revents & POLLIN)
			ctl_conns_accept(&cs, s->listen_fd, now_monotonic_us());
	}
	ctl_conns_done(&cs);
	return NULL;
}

/* The thread takes no signal: the main loop reads them from its signalfd. */
static int start_thread(CtlServer *s)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, serve, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	s->running = true;
	return 0;
}

int ctl_server_start(const char *path, uid_t allowed_uid, CtlServer **ret)
{
	CtlServer *s = calloc(1, sizeof(*s));
	struct stat st;
	int r;

	if (!s)
		return -ENOMEM;
	s->listen_fd = s->stop_fd = -1;
	s->uid = allowed_uid;
	pthread_mutex_init(&s->lock, NULL);
	s->path = strdup(path);
	if (!s->path) {
		ctl_server_free(s);
		return -ENOMEM;
	}
	s->listen_fd = ctl_listen(path);
	if (s->listen_fd < 0) {
		r = s->listen_fd;
		free(s->path);
		s->path = NULL; /* not ours to unlink */
		ctl_server_free(s);
		return r;
	}
	if (stat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = s->stop_fd < 0 ? negative_errno() : start_thread(s);
	if (r < 0) {
		ctl_server_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void ctl_server_free(CtlServer *s)
{
	if (!s)
		return;
	if (s->running) {
		uint64_t one = 1;

		(void)!write(s->stop_fd, &one, sizeof(one));
		pthread_join(s->thread, NULL);
	}
	if (s->listen_fd >= 0) {
		struct stat st;

		close(s->listen_fd);
		/* Only the socket this server bound: whatever replaced it
		 * since (by hand, or another daemon) is not ours to remove. */
		if (s->path && lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
			unlink(s->path);
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	view_unref(s->view);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}
