/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

static char *cached_root;

const char *sysroot(void)
{
	if (!cached_root) {
		const char *e = getenv("KVMNET_SYSROOT");
		size_t n;

		if (isempty(e))
			e = "/";
		cached_root = strdup(e);
		if (!cached_root)
			return "/";
		/* "/x/" and "/x" mean the same root; "/" stays "/". */
		n = strlen(cached_root);
		while (n > 1 && cached_root[n - 1] == '/')
			cached_root[--n] = 0;
	}
	return cached_root;
}

void sysroot_reset(void)
{
	free(cached_root);
	cached_root = NULL;
}

int root_path(char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL;
	const char *root = sysroot();
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&rel, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (streq(root, "/"))
		*ret = TAKE_PTR(rel);
	else if (asprintf(ret, "%s%s%s", root, rel[0] == '/' ? "" : "/", rel) < 0)
		return -ENOMEM;
	return 0;
}

static int open_root(const char *path, int flags)
{
	_cleanup_free_ char *p = NULL;
	int fd, r;

	r = root_path(&p, "%s", path);
	if (r < 0)
		return r;
	fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

static int read_fd_full(int fd, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			char *nb;

			if (cap >= max_size)
				return -EFBIG;
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max_size)
		return -EFBIG;
	buf[len] = 0;
	if (ret_size)
		*ret_size = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open_root(path, O_RDONLY);

	if (fd < 0)
		return fd;
	return read_fd_full(fd, max_size, ret, ret_size);
}

int read_user_file(const char *path, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return negative_errno();
	return read_fd_full(fd, max_size, ret, ret_size);
}

int read_regular_file(const char *path, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if ((uint64_t)st.st_size > max_size)
		return -EFBIG;
	return read_fd_full(fd, max_size, ret, ret_size);
}

int read_state_file(const char *path, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *p = NULL;
	int r = root_path(&p, "%s", path);

	return r < 0 ? r : read_regular_file(p, max_size, ret, ret_size);
}

const char *file_error_string(int r)
{
	switch (r) {
	case -EISDIR:
		return "a directory, not a file";
	case -EBADFD:
		return "a FIFO, socket or device, not a regular file";
	case -EFBIG:
		return "too large";
	default:
		return strerror(-r);
	}
}

int read_one_line(const char *path, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	r = read_full_file(path, 1 << 20, &buf, NULL);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = 0;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_u64_file(const char *path, uint64_t *ret)
{
	_cleanup_free_ char *line = NULL;
	int r;

	r = read_one_line(path, &line);
	if (r < 0)
		return r;
	return parse_u64(strstrip(line), ret);
}

int read_int_file(const char *path, int *ret)
{
	_cleanup_free_ char *line = NULL;
	int r;

	r = read_one_line(path, &line);
	if (r < 0)
		return r;
	return parse_int(strstrip(line), ret);
}

int read_link_basename(const char *path, char **ret)
{
	_cleanup_free_ char *p = NULL;
	char target[4096];
	const char *base;
	ssize_t n;
	int r;

	r = root_path(&p, "%s", path);
	if (r < 0)
		return r;
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return negative_errno();
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base)
		return -EINVAL;
	*ret = strdup(base);
	return *ret ? 0 : -ENOMEM;
}

int write_string_file(const char *path, const char *s)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(s);
	ssize_t n;

	/* O_TRUNC is a no-op on sysfs and procfs (the shell's `>` uses it
	 * too) and makes a fake tree's regular files hold what was written. */
	fd = open_root(path, O_WRONLY | O_NOCTTY | O_TRUNC);
	if (fd < 0)
		return fd;
	n = write(fd, s, len);
	if (n < 0)
		return negative_errno();
	/* sysfs takes a store in one piece; a short write means it did not. */
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int access_root(const char *path, int mode)
{
	_cleanup_free_ char *p = NULL;
	int r;

	r = root_path(&p, "%s", path);
	if (r < 0)
		return r;
	return access(p, mode) < 0 ? negative_errno() : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_dir(const char *path, const char *prefix, char ***ret)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_strv_free_ char **l = NULL;
	DIR *d;
	struct dirent *de;
	int r;

	r = root_path(&p, "%s", path);
	if (r < 0)
		return r;
	d = opendir(p);
	if (!d)
		return negative_errno();
	r = 0;
	while ((errno = 0, de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (prefix && !strneq(de->d_name, prefix, strlen(prefix)))
			continue;
		r = strv_extend(&l, de->d_name);
		if (r < 0)
			break;
	}
	if (r == 0 && errno != 0)
		r = negative_errno();
	closedir(d);
	if (r < 0)
		return r;
	if (!l) {
		l = calloc(1, sizeof(char *));
		if (!l)
			return -ENOMEM;
	}
	qsort(l, strv_length(l), sizeof(char *), cmp_str);
	*ret = TAKE_PTR(l);
	return 0;
}
