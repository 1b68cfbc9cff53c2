/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#include "basic/macro.h"
#include "daemon/config.h"
#include "daemon/journal.h"
#include "daemon/watch.h"

/*
 * What kvmnetd's parts share: the loops beside the reconcile ([irq],
 * [tune], [balloon]) get this, not the whole Daemon, so that none of them
 * depends on daemon.c or on another.  The daemon owns it (Daemon.ctx) and
 * replaces config on a reload; tests fill one by hand.
 */
typedef struct DaemonContext {
	Config *config;
	Journal *journal;
	Watch *watch; /* NULL without libvirt */
	bool dry_run;
	/* The daemon's hooks, each may be NULL: say on the control socket
	 * what is about to block, and ask for a reconcile soon. */
	void (*busy)(void *owner, const char *what);
	void (*schedule)(void *owner);
	void *owner;
	/* kvmnetd's counters (daemon/metrics-collect.h); NULL counts nothing. */
	struct Metrics *metrics;
} DaemonContext;

/* fmt formatted whole and handed to say (its text, or "(out of memory)"):
 * the one formatting of a busy line, for the context's hook and the
 * daemon's own daemon_busy(). */
void daemon_busy_vsay(void (*say)(void *owner, const char *what), void *owner, const char *fmt, va_list ap)
	_printf_(3, 0);
/* Before work that may block (a libvirt call, a kernel write). */
void daemon_ctx_busy(const DaemonContext *c, const char *fmt, ...) _printf_(2, 3);
void daemon_ctx_schedule(const DaemonContext *c);
