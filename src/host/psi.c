/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "psi.h"

#define PSI_FILE_MAX 4096

static int parse_percent(const char *s, double *ret)
{
	char *end;
	double v;

	if (!*s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v > 100)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=0": all four are required. */
static int parse_fields(char *rest, PsiLine *ret)
{
	PsiLine l = { .present = true };
	unsigned seen = 0;
	char *save = NULL;

	for (char *w = strtok_r(rest, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');
		int r = 0;

		if (!eq)
			return -EINVAL;
		*eq = 0;
		if (streq(w, "avg10"))
			r = parse_percent(eq + 1, &l.avg10), seen |= 1;
		else if (streq(w, "avg60"))
			r = parse_percent(eq + 1, &l.avg60), seen |= 2;
		else if (streq(w, "avg300"))
			r = parse_percent(eq + 1, &l.avg300), seen |= 4;
		else if (streq(w, "total"))
			r = parse_u64(eq + 1, &l.total_us), seen |= 8;
		if (r < 0)
			return r;
	}
	if (seen != 15)
		return -EINVAL;
	*ret = l;
	return 0;
}

int psi_parse(const char *text, Psi *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	Psi p = {};
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		PsiLine *l = strneq(line, "some ", 5) ? &p.some : strneq(line, "full ", 5) ? &p.full : NULL;

		if (!l || l->present)
			continue;
		if (parse_fields(line + 5, l) < 0)
			*l = (PsiLine){};
	}
	if (!p.some.present)
		return -EBADMSG;
	*ret = p;
	return 0;
}

int psi_read_memory(Psi *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file("/proc/pressure/memory", PSI_FILE_MAX, &text, NULL);
	if (r < 0)
		return r;
	return psi_parse(text, ret);
}

int psi_trigger_format(PsiKind kind, uint64_t stall_us, uint64_t window_us, char *buf, size_t size)
{
	int n;

	/* The kernel's limits (psi_trigger_create): window 500 ms..10 s, the
	 * stall at most the window and not zero. */
	if (window_us < 500000 || window_us > 10000000 || stall_us == 0 || stall_us > window_us)
		return -EINVAL;
	n = snprintf(buf, size, "%s %llu %llu", kind == PSI_FULL ? "full" : "some",
		     (unsigned long long)stall_us, (unsigned long long)window_us);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

int psi_trigger_open(PsiKind kind, uint64_t stall_us, uint64_t window_us, int *ret_fd)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	char buf[64];
	int r;

	r = psi_trigger_format(kind, stall_us, window_us, buf, sizeof(buf));
	if (r < 0)
		return r;
	r = root_path(&path, "/proc/pressure/memory");
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	/* A file of a fake root (tests) would take the write as content and
	 * never signal: only procfs makes a trigger. */
	if (fstatfs(fd, &sfs) < 0)
		return negative_errno();
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return -EOPNOTSUPP;
	/* The kernel wants the terminating NUL written too (psi.rst). */
	if (write(fd, buf, strlen(buf) + 1) < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}
