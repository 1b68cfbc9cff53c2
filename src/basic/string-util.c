/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
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
