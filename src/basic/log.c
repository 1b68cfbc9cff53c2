/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "string-util.h"
#include "strv.h"

/* Read by kvmnetd's control-socket thread, set by a reload on the main
 * thread: relaxed atomics, a level change needs no ordering. */
static int max_level = LOG_LEVEL_INFO;
static int syslog_prefix;
static int to_syslog;
static int to_journal;
static const char *journal_ident;

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

int log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (isempty(e) || sscanf(e, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open_journal(const char *ident)
{
	journal_ident = ident;
	to_journal = 1;
}

static bool field_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '_' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

static int push_field(char ***list, size_t *n, const char *name, const char *value)
{
	char **l = reallocarray(*list, *n + 2, sizeof(char *));

	if (!l)
		return -ENOMEM;
	*list = l;
	if (asprintf(&l[*n], "%s=%s", name, value) < 0) {
		l[*n] = NULL;
		return -ENOMEM;
	}
	l[++*n] = NULL;
	return 0;
}

int log_journal_fields(int level, int error, const char *ident, const char *message_id, const LogField *fields,
		       size_t n_fields, const char *message, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	char num[16];
	size_t n = 0;
	int r;

	if (message_id && (strlen(message_id) != 32 || strspn(message_id, "0123456789abcdef") != 32))
		return -EINVAL;
	for (size_t i = 0; i < n_fields; i++)
		if (!field_name_valid(fields[i].name))
			return -EINVAL;
	snprintf(num, sizeof(num), "%d", level);
	r = push_field(&l, &n, "MESSAGE", message);
	if (r >= 0)
		r = push_field(&l, &n, "PRIORITY", num);
	if (r >= 0 && ident)
		r = push_field(&l, &n, "SYSLOG_IDENTIFIER", ident);
	if (r >= 0 && error != 0) {
		snprintf(num, sizeof(num), "%d", abs(error));
		r = push_field(&l, &n, "ERRNO", num);
	}
	if (r >= 0 && message_id)
		r = push_field(&l, &n, "MESSAGE_ID", message_id);
	for (size_t i = 0; r >= 0 && i < n_fields; i++)
		if (fields[i].value)
			r = push_field(&l, &n, fields[i].name, fields[i].value);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}

/* 0 when sent; otherwise the caller writes the line to stderr. */
static int send_journal(int level, int error, const char *message_id, const LogField *fields, size_t n_fields,
			const char *message)
{
	_cleanup_strv_free_ char **l = NULL;
	struct iovec iov[64];
	size_t n = 0;
	int r;

	r = log_journal_fields(level, error, journal_ident, message_id, fields, n_fields, message, &l);
	if (r < 0)
		return r;
	for (char **f = l; *f && n < ELEMENTSOF(iov); f++)
		iov[n++] = (struct iovec){ .iov_base = *f, .iov_len = strlen(*f) };
	/* In parentheses: the function, without the macro's CODE_FILE= of
	 * this file, which would say nothing about the event. */
	return (sd_journal_sendv)(iov, (int)n);
}

static void emit(int level, int error, const char *message_id, const LogField *fields, size_t n_fields,
		 const char *buf)
{
	if (to_journal && send_journal(level, error, message_id, fields, n_fields, buf) >= 0)
		return;
	if (to_syslog)
		syslog(level, "%s", buf);
	else if (syslog_prefix || to_journal)
		fprintf(stderr, "<%d>%s\n", level, buf);
	else
		fprintf(stderr, "%s\n", buf);
}

static int log_va(int level, int error, const char *message_id, const LogField *fields, size_t n_fields,
		  const char *fmt, va_list ap)
{
	int saved = errno;
	int ret = error == 0 ? 0 : -abs(error);

	if (level <= log_get_max_level()) {
		char buf[2048];

		/* %m in callers means the error passed in, not stale errno. */
		errno = abs(error);
		vsnprintf_utf8(buf, sizeof(buf), fmt, ap);
		emit(level, error, message_id, fields, n_fields, buf);
	}
	errno = saved;
	return ret;
}

int log_internal(int level, int error, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_va(level, error, NULL, NULL, 0, fmt, ap);
	va_end(ap);
	return r;
}

int log_struct_internal(int level, int error, const char *message_id, const LogField *fields, size_t n_fields,
			const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_va(level, error, message_id, fields, n_fields, fmt, ap);
	va_end(ap);
	return r;
}
