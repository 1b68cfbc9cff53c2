/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

/* Append printf output to *s (NULL counts as empty), with sep (may be
 * NULL) between the old text and the new when the old is not empty.  On
 * failure *s is unchanged. */
int strextendf_sep(char **s, const char *sep, const char *fmt, ...) _printf_(3, 4);

/* Cut s at its first newline, in place: the first line of a command's
 * output, for a one-line message.  NULL stays NULL. */
char *first_line(char *s);

/* The error path of a function with a char **ret_error parameter: if
 * ret_error is not NULL, store the formatted message there (malloc'd; NULL
 * when out of memory), then return r, the negative errno.  The message is
 * written on failure because explaining the failure is its purpose. */
int error_setf(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);

/* The length (1..4) of the valid UTF-8 character at s, of which at most n
 * bytes may be read; 0 when the bytes there are not one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or a
 * character cut by n).  n == 0 is 0. */
size_t utf8_char_len(const char *s, size_t n);

/* The length of the longest prefix of s, at most max bytes, that does not
 * split a UTF-8 character (an invalid byte counts as a character). */
size_t utf8_prefix_len(const char *s, size_t max);
/* Cut s in place to at most max bytes, at a character boundary: a UTF-8
 * character that would be split is dropped whole, so a name cut to fit a
 * fixed-size field stays valid UTF-8 in JSON.  Returns s. */
char *utf8_truncate(char *s, size_t max);

/* The text of someone kvmnet does not trust (a guest, its agent, a program
 * run there), made safe to print on an operator's terminal: at most max
 * bytes of it, every control character (C0, DEL and C1, U+0080..U+009F)
 * and every byte that is not valid UTF-8 written as \xNN (\n, \r and \t
 * as \n, \r, \t; a backslash doubled), and "..." where it was cut.  So a
 * guest can neither move the cursor, rewrite what was printed before nor
 * start a line of its own.  NULL is "".  Malloc'd; NULL out of memory. */
char *str_escape_untrusted(const char *s, size_t max);
/* The limit str_escape_untrusted() is called with for a message. */
#define UNTRUSTED_TEXT_MAX 1024

/* vsnprintf()/snprintf() into a fixed buffer that, when the text does not
 * fit, cuts it at a character boundary (utf8_prefix_len()), so that a
 * name in it stays valid UTF-8 wherever the line ends up (JSON, the
 * journal).  Returns the length written. */
size_t vsnprintf_utf8(char *buf, size_t size, const char *fmt, va_list ap) _printf_(3, 0);
size_t snprintf_utf8(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
