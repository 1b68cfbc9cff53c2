/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "pidfd.h"
#include "process.h"

/* Real and effective uid from the "Uid:" line of /proc/PID/status. */
static bool runs_as_root(int pid)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	const char *l;
	unsigned ruid, euid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_full_file(path, 64 * 1024, &text, NULL) < 0)
		return false;
	l = strstr(text, "\nUid:");
	return l && sscanf(l + 5, "%u %u", &ruid, &euid) == 2 && ruid == 0 && euid == 0;
}

/* /proc/PID/exe: named name (a deleted file reads "name (deleted)"), and
 * the file it opens is root's, a regular file only root can change. */
static bool exe_is_roots(int pid, const char *name)
{
	_cleanup_free_ char *base = NULL, *exe = NULL;
	_cleanup_close_ int fd = -1;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (read_link_basename(path, &base) < 0 || !streq(base, name))
		return false;
	if (root_path(&exe, "%s", path) < 0)
		return false;
	fd = open(exe, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return false;
	return S_ISREG(st.st_mode) && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_nlink > 0;
}

/* pid, if it is root's name: held by a pidfd across the checks. */
static int held_if_roots(int pid, const char *name, int *ret_pidfd)
{
	_cleanup_close_ int fd = -1;
	int r;

	r = pidfd_open_pid(pid, &fd);
	if (r < 0)
		return r;
	if (!runs_as_root(pid) || !exe_is_roots(pid, name))
		return -EPERM;
	/* Alive now and when the pidfd was opened: the pid was not reused
	 * in between, so what was read above was this process. */
	r = pidfd_signal(fd, 0);
	if (r < 0)
		return r;
	*ret_pidfd = TAKE_FD(fd);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The pids whose comm is name, ascending. */
static int pids_named(const char *name, int **ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **entries = NULL;
	_cleanup_free_ int *pids = NULL;
	size_t n = 0;
	int r;

	r = list_dir("/proc", NULL, &entries);
	if (r < 0)
		return r;
	pids = calloc(strv_length(entries) + 1, sizeof(int));
	if (!pids)
		return -ENOMEM;
	STRV_FOREACH(e, entries) {
		_cleanup_free_ char *path = NULL, *line = NULL;
		int pid;

		if (parse_int(*e, &pid) < 0 || pid <= 0)
			continue;
		if (asprintf(&path, "/proc/%s/comm", *e) < 0)
			return -ENOMEM;
		/* A process can exit between readdir and read: skip it. */
		if (read_one_line(path, &line) >= 0 && streq(line, name))
			pids[n++] = pid;
	}
	qsort(pids, n, sizeof(int), cmp_int);
	*ret = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}

int process_find_root_exe(const char *name, pid_t *ret_pid, int *ret_pidfd)
{
	_cleanup_free_ int *pids = NULL;
	size_t n;
	int r;

	r = pids_named(name, &pids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		int fd;

		if (held_if_roots(pids[i], name, &fd) < 0)
			continue; /* an impostor, or gone */
		if (ret_pidfd)
			*ret_pidfd = fd;
		else
			close(fd);
		*ret_pid = pids[i];
		return 0;
	}
	return -ESRCH;
}

int process_find_by_comm(const char *comm, pid_t *ret)
{
	_cleanup_free_ int *pids = NULL;
	size_t n;
	int r;

	r = pids_named(comm, &pids, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return -ESRCH;
	*ret = pids[0];
	return 0;
}
