/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "string-util.h"

int strextendf_sep(char **s, const char *sep, const char *fmt, ...)
{
	_cleanup_free_ char *add = NULL;
	char *n;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (isempty(*s)) {
		free(*s);
		*s = TAKE_PTR(add);
		return 0;
	}
	if (asprintf(&n, "%s%s%s", *s, sep ? sep : "", add) < 0)
		return -ENOMEM;
	free(*s);
	*s = n;
	return 0;
}

char *first_line(char *s)
{
	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

int error_setf(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	if (ret_error) {
		va_start(ap, fmt);
		if (vasprintf(ret_error, fmt, ap) < 0)
			*ret_error = NULL;
		va_end(ap);
	}
	return r;
}

size_t utf8_char_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2, c = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3, c = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4, c = u[0] & 0x07;
	else
		return 0; /* a continuation byte, or 0xc0, 0xc1, 0xf5..0xff */
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates, and beyond Unicode. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

size_t utf8_prefix_len(const char *s, size_t max)
{
	size_t i = 0, n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	/* Walk whole characters; an invalid byte counts as one. */
	while (i < max) {
		size_t k = utf8_char_len(s + i, n - i);

		k = k ? k : 1;
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

char *utf8_truncate(char *s, size_t max)
{
	if (s)
		s[utf8_prefix_len(s, max)] = 0;
	return s;
}

/* Append one escaped unit of untrusted text; its length in out. */
static size_t escape_one(const char *s, size_t n, char out[static 16], size_t *ret_used)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = utf8_char_len(s, n);

	*ret_used = k ? k : 1;
	if (c == '\\')
		return (size_t)snprintf(out, 16, "\\\\");
	if (c == '\n' || c == '\r' || c == '\t')
		return (size_t)snprintf(out, 16, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
	/* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f in UTF-8. */
	if (k == 0 || c < 0x20 || c == 0x7f || (k == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0)) {
		size_t len = 0;

		*ret_used = k ? k : 1;
		for (size_t i = 0; i < *ret_used; i++)
			len += (size_t)snprintf(out + len, 16 - len, "\\x%02x", (unsigned char)s[i]);
		return len;
	}
	memcpy(out, s, k);
	return k;
}

char *str_escape_untrusted(const char *s, size_t max)
{
	size_t n, len = 0, i = 0;
	char *r;

	s = s ? s : "";
	n = strlen(s);
	/* Each input byte becomes at most 4 ("\xNN"), plus "..." and NUL. */
	r = malloc((n < max ? n : max) * 4 + 4);
	if (!r)
		return NULL;
	while (i < n && i < max) {
		char unit[16];
		size_t used, k = escape_one(s + i, n - i, unit, &used);

		if (i + used > max)
			break;
		memcpy(r + len, unit, k);
		len += k;
		i += used;
	}
	if (i < n)
		memcpy(r + len, "...", 3), len += 3;
	r[len] = 0;
	return r;
}

size_t vsnprintf_utf8(char *buf, size_t size, const char *fmt, va_list ap)
{
	_cleanup_free_ char *full = NULL;
	size_t n;

	if (size == 0)
		return 0;
	if (vasprintf(&full, fmt, ap) < 0) {
		buf[0] = 0;
		return 0;
	}
	n = utf8_prefix_len(full, size - 1);
	memcpy(buf, full, n);
	buf[n] = 0;
	return n;
}

size_t snprintf_utf8(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vsnprintf_utf8(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
