/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "blockq.h"

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static int add_name(char ***avail, char **cur, const char *p, size_t n)
{
	_cleanup_free_ char *name = strndup(p, n);
	int r;

	if (!name)
		return -ENOMEM;
	r = strv_extend(avail, name);
	if (r < 0)
		return r;
	if (cur)
		*cur = TAKE_PTR(name);
	return 0;
}

int blockq_parse_scheduler(const char *line, char **ret_current, char ***ret_available)
{
	_cleanup_strv_free_ char **avail = NULL;
	_cleanup_free_ char *cur = NULL;
	const char *p = line;
	int r;

	for (;;) {
		bool bracket;
		size_t n;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		bracket = *p == '[';
		p += bracket;
		n = strcspn(p, bracket ? "]" : " \t\n[]");
		if (!name_ok(p, n) || (bracket && (p[n] != ']' || cur)))
			return -EINVAL;
		r = add_name(&avail, bracket ? &cur : NULL, p, n);
		if (r < 0)
			return r;
		p += n + bracket;
	}
	if (!avail)
		return -EINVAL;
	/* A lone name is the one in use, brackets or not ("none" on queues
	 * without a choice). */
	if (!cur && strv_length(avail) == 1 && !(cur = strdup(avail[0])))
		return -ENOMEM;
	*ret_current = TAKE_PTR(cur);
	*ret_available = TAKE_PTR(avail);
	return 0;
}

int blockq_scheduler_path(const char *dev, char **ret)
{
	if (isempty(dev) || strchr(dev, '/') || streq(dev, ".") || streq(dev, ".."))
		return -EINVAL;
	return asprintf(ret, "/sys/block/%s/queue/scheduler", dev) < 0 ? -ENOMEM : 0;
}

int blockq_read_scheduler(const char *dev, char **ret_current, char ***ret_available)
{
	_cleanup_free_ char *path = NULL, *line = NULL;
	int r;

	r = blockq_scheduler_path(dev, &path);
	if (r < 0)
		return r;
	r = read_one_line(path, &line);
	if (r < 0)
		return r;
	return blockq_parse_scheduler(line, ret_current, ret_available);
}

int blockq_write_scheduler(const char *dev, const char *sched)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!name_ok(sched, strlen(sched)))
		return -EINVAL;
	r = blockq_scheduler_path(dev, &path);
	if (r < 0)
		return r;
	return write_string_file(path, sched);
}

const char *blockq_pick_deadline(char *const *available)
{
	if (strv_contains(available, "mq-deadline"))
		return "mq-deadline";
	if (strv_contains(available, "deadline"))
		return "deadline";
	return NULL;
}
