/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/ctl-socket.h"

/*
 * The control socket's clients, multiplexed in one thread: every client is
 * non-blocking and has a deadline (CTL_CLIENT_DEADLINE_US from its accept)
 * for its whole exchange (request line, reply, the wait for its close), so
 * an idle client or one trickling a byte at a time delays no other client
 * and not the daemon's stop.  At most CTL_MAX_CLIENTS are served at once;
 * while that many are, the others wait in the listen backlog until a
 * deadline frees a slot.
 */
#define CTL_MAX_CLIENTS 256
#define CTL_CLIENT_DEADLINE_US 1000000ULL

typedef struct CtlConn CtlConn;
typedef struct CtlConns {
	CtlConn *c; /* CTL_MAX_CLIENTS slots */
	size_t n;   /* in use */
	uid_t allowed_uid;
	ctl_handler handler;
	void *userdata;
} CtlConns;

int ctl_conns_init(CtlConns *cs, uid_t allowed_uid, ctl_handler handler, void *userdata);
void ctl_conns_done(CtlConns *cs);
/* Accept every pending client (while slots are free). */
void ctl_conns_accept(CtlConns *cs, int listen_fd, uint64_t now_us);
/* The clients' pollfds into p (room for CTL_MAX_CLIENTS), their number,
 * and the poll timeout to the nearest deadline (-1: no client). */
size_t ctl_conns_pollfds(CtlConns *cs, struct pollfd *p, uint64_t now_us, int *ret_timeout_ms);
/* Serve what poll reported in p (as filled by ctl_conns_pollfds) and
 * drop clients past their deadline. */
void ctl_conns_process(CtlConns *cs, const struct pollfd *p, size_t n, uint64_t now_us);
