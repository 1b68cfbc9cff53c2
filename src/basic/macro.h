/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand ownership of a pointer or fd to someone else: the cleanup attribute
 * on the old variable then finds NULL / -1 and does nothing. */
#define TAKE_PTR(p)                        \
	({                                 \
		__typeof__(p) _tp = (p);   \
		(p) = NULL;                \
		_tp;                       \
	})
#define TAKE_FD(fd)                     \
	({                              \
		int _tfd = (fd);        \
		(fd) = -1;              \
		_tfd;                   \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Define a NULL-safe pointer destructor for a type's free function, for
 * use as _cleanup_(name_freep). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)       \
	static inline void func##p(type *p)           \
	{                                             \
		if (*p)                               \
			func(*p);                     \
	}

/* Return -errno from the last libc failure, never 0 even if errno was
 * (wrongly) left unset. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || !*(s))
