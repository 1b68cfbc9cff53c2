/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "daemon/state-lock.h"

static int open_lock(const char *state_dir, int flags)
{
	_cleanup_close_ int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dfd < 0)
		return negative_errno();
	/* O_NOFOLLOW: a symlink planted here must not make root create or
	 * truncate a file elsewhere; O_NONBLOCK: nor a FIFO hang the start. */
	fd = openat(dfd, STATE_LOCK_FILE, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
	return fd < 0 ? negative_errno() : fd;
}

/* The pid the holder wrote; 0 when the file says nothing usable. */
static pid_t read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int pid;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return parse_int(buf, &pid) == 0 && pid > 0 ? (pid_t)pid : 0;
}

int state_lock_write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) < 0)
		return negative_errno();
	if (pwrite(fd, buf, (size_t)n, 0) != n)
		return errno ? negative_errno() : -EIO;
	return 0;
}

int state_lock_take(const char *state_dir, int *ret_fd, pid_t *ret_holder)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	fd = open_lock(state_dir, O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = negative_errno();
		if (r == -EWOULDBLOCK)
			*ret_holder = read_holder(fd);
		return r;
	}
	r = state_lock_write_pid(fd);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int state_lock_probe(const char *state_dir, pid_t *ret_holder)
{
	_cleanup_close_ int fd = open_lock(state_dir, O_RDONLY);

	/* No directory or no file: no live daemon ever ran here, since one
	 * creates both before anything else. */
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return 0; /* dropped with the fd */
	if (errno != EWOULDBLOCK)
		return negative_errno();
	*ret_holder = read_holder(fd);
	return 1;
}
