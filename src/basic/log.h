/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

void log_set_max_level(int level);
int log_get_max_level(void);
/* Prefix each line with "<N>" so journald reads the level from stderr. */
void log_set_syslog_prefix(int on);
/* Send lines to syslog(3) instead of stderr, for a daemon that detached
 * from its terminal. */
void log_open_syslog(const char *ident);
int log_parse_level(const char *s);

/*
 * The systemd journal, through libsystemd (sd_journal_sendv): every line
 * with PRIORITY, SYSLOG_IDENTIFIER and (with an error) ERRNO, and those
 * of log_struct() with their MESSAGE_ID and fields, so that `journalctl
 * MESSAGE_ID=...` and `journalctl KVMNET_DOMAIN=web1` find them.
 */
void log_open_journal(const char *ident);
/* Whether stderr is the journal stream systemd connected ($JOURNAL_STREAM
 * names its device and inode): running as a service. */
int log_stderr_is_journal(void);

/* One journal field: NAME (A-Z, 0-9, _, not starting with _ or a digit,
 * at most 64 bytes) and its value; a NULL value leaves it out. */
typedef struct LogField {
	const char *name;
	const char *value;
} LogField;

/* The journal entry of one line, as "NAME=value" strings (a NULL-
 * terminated list, malloc'd): MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
 * ERRNO when error != 0, MESSAGE_ID when message_id is not NULL, then the
 * fields.  -EINVAL for a bad field name or message id (32 hex digits).
 * Pure, for the tests; log_struct() sends what it builds. */
int log_journal_fields(int level, int error, const char *ident, const char *message_id, const LogField *fields,
		       size_t n_fields, const char *message, char ***ret);

/* A line of a kind of event: to the journal with its MESSAGE_ID and
 * fields, elsewhere (stderr, syslog) as the plain line log_internal()
 * writes.  Returns like log_internal(). */
int log_struct_internal(int level, int error, const char *message_id, const LogField *fields, size_t n_fields,
			const char *fmt, ...) _printf_(6, 7);
#define log_struct(level, message_id, fields, ...) \
	log_struct_internal(level, 0, message_id, fields, ELEMENTSOF(fields), __VA_ARGS__)
#define log_struct_errno(level, error, message_id, fields, ...) \
	log_struct_internal(level, error, message_id, fields, ELEMENTSOF(fields), __VA_ARGS__)

/* Logs a line; returns -abs(error) when error != 0, else 0, so that a
 * caller can write `return log_error_errno(r, "...")`. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_internal(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_LEVEL_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_LEVEL_WARNING, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_LEVEL_DEBUG, (e), __VA_ARGS__)
