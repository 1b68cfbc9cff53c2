/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/context.h"

void daemon_ctx_busy(const DaemonContext *c, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;
	int r;

	if (!c->busy)
		return;
	va_start(ap, fmt);
	r = vasprintf(&what, fmt, ap);
	va_end(ap);
	c->busy(c->owner, r < 0 ? "(out of memory)" : what);
}

void daemon_ctx_schedule(const DaemonContext *c)
{
	if (c->schedule)
		c->schedule(c->owner);
}
