/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/context.h"

void daemon_busy_vsay(void (*say)(void *owner, const char *what), void *owner, const char *fmt, va_list ap)
{
	_cleanup_free_ char *what = NULL;

	/* Whole: the control socket cuts it at a character boundary, where
	 * a fixed buffer here would split a VM name's character. */
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	say(owner, what ? what : "(out of memory)");
}

void daemon_ctx_busy(const DaemonContext *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->busy)
		return;
	va_start(ap, fmt);
	daemon_busy_vsay(c->busy, c->owner, fmt, ap);
	va_end(ap);
}

void daemon_ctx_schedule(const DaemonContext *c)
{
	if (c->schedule)
		c->schedule(c->owner);
}
