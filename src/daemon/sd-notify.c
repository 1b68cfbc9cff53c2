/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "basic/macro.h"
#include "sd-notify.h"

int notify_send(const char *state)
{
	/* libsystemd's: 0 without $NOTIFY_SOCKET, > 0 when sent, -errno
	 * (-EINVAL for an address that is neither a path nor abstract). */
	int r = sd_notify(0, state);

	return r > 0 ? 1 : r;
}

int notify_sendf(const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return notify_send(s);
}
