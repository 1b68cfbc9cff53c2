/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "replace-file.h"

static int write_text(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t k = write(fd, s, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? negative_errno() : -EIO;
		s += k;
		len -= (size_t)k;
	}
	return 0;
}

/* "DIR/.NAME.XXXXXX" beside path, for mkostemp(). */
static int temp_template(const char *path, char **ret)
{
	_cleanup_free_ char *d = strdup(path), *b = strdup(path);

	if (!d || !b)
		return -ENOMEM;
	return asprintf(ret, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0 ? -ENOMEM : 0;
}

int replace_file(const char *path, const char *text, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	r = temp_template(path, &tmp);
	if (r < 0)
		return r;
	/* O_CREAT|O_EXCL with a random name: nothing there is followed. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = write_text(fd, text);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = negative_errno();
	if (r == 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0)
		unlink(tmp);
	return r;
}
