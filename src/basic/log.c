/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"
#include "string-util.h"

/* Read by kvmnetd's control-socket thread, set by a reload on the main
 * thread: relaxed atomics, a level change needs no ordering. */
static int max_level = LOG_LEVEL_INFO;
static int syslog_prefix;
static int to_syslog;

void log_set_max_level(int level)
{
	__atomic_store_n(&max_level, level, __ATOMIC_RELAXED);
}

int log_get_max_level(void)
{
	return __atomic_load_n(&max_level, __ATOMIC_RELAXED);
}

void log_set_syslog_prefix(int on)
{
	syslog_prefix = on;
}

void log_open_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = 1;
}

int log_parse_level(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "err", LOG_LEVEL_ERR },	  { "error", LOG_LEVEL_ERR },
		{ "warning", LOG_LEVEL_WARNING }, { "notice", LOG_LEVEL_NOTICE },
		{ "info", LOG_LEVEL_INFO },	  { "debug", LOG_LEVEL_DEBUG },
	};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].level;
	return -EINVAL;
}

int log_internal(int level, int error, const char *fmt, ...)
{
	int saved = errno;
	int ret = error == 0 ? 0 : -abs(error);

	if (level <= log_get_max_level()) {
		char buf[2048];
		va_list ap;

		/* %m in callers means the error passed in, not stale errno. */
		errno = abs(error);
		va_start(ap, fmt);
		vsnprintf_utf8(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		if (to_syslog)
			syslog(level, "%s", buf);
		else if (syslog_prefix)
			fprintf(stderr, "<%d>%s\n", level, buf);
		else
			fprintf(stderr, "%s\n", buf);
	}
	errno = saved;
	return ret;
}
