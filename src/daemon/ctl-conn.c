/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/macro.h"
#include "daemon/ctl-conn.h"

typedef enum ConnState {
	CONN_READ,  /* the request line */
	CONN_WRITE, /* the reply */
	CONN_DRAIN, /* replied: read to EOF, since closing on unread data
		     * makes the peer's read fail with ECONNRESET */
} ConnState;

struct CtlConn {
	int fd;
	uid_t uid;
	uint64_t deadline_us;
	ConnState state;
	size_t req_len;
	char req[CTL_MAX_REQUEST];
	char *out;
	size_t out_len, out_off;
};

int ctl_conns_init(CtlConns *cs, uid_t allowed_uid, ctl_handler handler, void *userdata)
{
	*cs = (CtlConns){ .allowed_uid = allowed_uid, .handler = handler, .userdata = userdata };
	cs->c = calloc(CTL_MAX_CLIENTS, sizeof(CtlConn));
	return cs->c ? 0 : -ENOMEM;
}

static void conn_close(CtlConns *cs, size_t i)
{
	close(cs->c[i].fd);
	free(cs->c[i].out);
	/* Keep the slots packed: the last one moves here. */
	cs->c[i] = cs->c[--cs->n];
}

void ctl_conns_done(CtlConns *cs)
{
	while (cs->n > 0)
		conn_close(cs, cs->n - 1);
	free(cs->c);
	cs->c = NULL;
}

void ctl_conns_accept(CtlConns *cs, int listen_fd, uint64_t now_us)
{
	while (cs->n < CTL_MAX_CLIENTS) {
		CtlConn *c = &cs->c[cs->n];
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return; /* EAGAIN: none left; anything else: next poll */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			close(fd);
			continue;
		}
		*c = (CtlConn){ .fd = fd, .uid = cred.uid, .deadline_us = now_us + CTL_CLIENT_DEADLINE_US };
		cs->n++;
	}
}

size_t ctl_conns_pollfds(CtlConns *cs, struct pollfd *p, uint64_t now_us, int *ret_timeout_ms)
{
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < cs->n; i++) {
		p[i] = (struct pollfd){ .fd = cs->c[i].fd, .events = cs->c[i].state == CONN_WRITE ? POLLOUT : POLLIN };
		if (cs->c[i].deadline_us < first)
			first = cs->c[i].deadline_us;
	}
	if (first == UINT64_MAX)
		*ret_timeout_ms = -1;
	else
		/* Rounded up: waking before the deadline would spin. */
		*ret_timeout_ms = first <= now_us ? 0 : (int)((first - now_us + 999) / 1000);
	return cs->n;
}

static int reply_error(CtlConn *c, const char *msg)
{
	if (asprintf(&c->out, "{\"error\":\"%s\"}\n", msg) < 0) {
		c->out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The request is complete (or will never be): make the reply. */
static int conn_answer(CtlConns *cs, CtlConn *c, bool complete)
{
	char msg[128];
	int r;

	c->state = CONN_WRITE;
	if (c->uid != cs->allowed_uid)
		r = reply_error(c, "permission denied");
	else if (!complete)
		r = reply_error(c, c->req_len >= sizeof(c->req) - 1 ? "request too long (at most 255 bytes and a newline)"
								     : "request without a newline");
	else {
		r = cs->handler(c->req, &c->out, cs->userdata);
		if (r < 0) {
			snprintf(msg, sizeof(msg), "%s", strerror(-r));
			r = reply_error(c, msg);
		}
	}
	if (r < 0)
		return r;
	c->out_len = strlen(c->out);
	return 0;
}

static int conn_read(CtlConns *cs, CtlConn *c)
{
	ssize_t n;
	char *nl;

	if (c->state == CONN_DRAIN) {
		char sink[512];

		n = recv(c->fd, sink, sizeof(sink), 0);
		return n == 0 ? -ECONNRESET : n < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;
	}
	n = recv(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	c->req_len += (size_t)n;
	c->req[c->req_len] = 0;
	nl = memchr(c->req, '\n', c->req_len);
	if (nl)
		*nl = 0;
	if (nl || n == 0 || c->req_len == sizeof(c->req) - 1)
		return conn_answer(cs, c, nl != NULL);
	return 0;
}

static int conn_write(CtlConn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->out_off += (size_t)n;
	}
	/* All sent: say so with EOF, and wait for the peer's close. */
	(void)shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAIN;
	return 0;
}

void ctl_conns_process(CtlConns *cs, const struct pollfd *p, size_t n, uint64_t now_us)
{
	/* Backwards: conn_close() moves the last slot into the closed one. */
	for (size_t i = n; i-- > 0;) {
		CtlConn *c = &cs->c[i];
		int r = 0;

		if (i >= cs->n || c->fd != p[i].fd)
			continue;
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR) && c->state != CONN_WRITE)
			r = conn_read(cs, c);
		/* A reply made just now is sent at once: most fit the buffer. */
		if (r == 0 && c->state == CONN_WRITE)
			r = conn_write(c);
		if (r < 0 || now_us >= c->deadline_us)
			conn_close(cs, i);
	}
}
