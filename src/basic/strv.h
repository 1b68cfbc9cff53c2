/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated vectors of malloc'd strings. */
void strv_free(char **l);
size_t strv_length(char *const *l);
/* Append a copy of s; *l may be NULL. */
int strv_extend(char ***l, const char *s);
/* Append s itself, taking ownership on success. */
int strv_push(char ***l, char *s);
/* strv_extend() of a formatted string: 0 or -ENOMEM. */
int strv_extendf(char ***l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strv_contains(char *const *l, const char *s);
/* The strings joined with sep; "" for an empty or NULL list; NULL on ENOMEM. */
char *strv_join(char *const *l, const char *sep);

static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
