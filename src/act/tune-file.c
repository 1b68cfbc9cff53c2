/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/tune-file.h"
#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"

/* Far beyond any host's knobs (an entry is ~100 bytes). */
#define TUNE_STATE_MAX (16U << 20)

int tune_file_load(const char *path, TuneState *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	/* Never waits on a FIFO, refuses a directory or a huge file. */
	r = read_regular_file(path, TUNE_STATE_MAX, &text, NULL);
	if (r == -ENOENT) {
		*ret = (TuneState){};
		return 0;
	}
	if (r < 0)
		return r;
	return tune_state_parse(text, ret);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return fsync(fd) < 0 ? negative_errno() : 0;
}

int tune_file_save(const char *path, const TuneState *s)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	json_object *root = tune_state_to_json(s);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	int r;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		json_object_put(root);
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	r = fd < 0 ? negative_errno() : write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	json_object_put(root);
	/* The data must be on disk before the name points at it. */
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0) {
		if (fd >= 0)
			unlink(tmp);
		return r;
	}
	return fsync_dir_of(path);
}

void tune_file_free(TuneFile *f)
{
	if (!f)
		return;
	tune_state_done(&f->state);
	free(f->path);
	free(f);
}

int tune_file_open(const char *path, TuneFile **ret)
{
	TuneFile *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	r = f->path ? tune_file_load(path, &f->state) : -ENOMEM;
	if (r < 0) {
		tune_file_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

static const char *file_get(void *data, const char *key, const char **ret_applied)
{
	TuneEntry *e = tune_state_find(&((TuneFile *)data)->state, key);

	if (ret_applied)
		*ret_applied = e ? e->applied : NULL;
	return e ? e->original : NULL;
}

static int file_put(void *data, const char *key, const char *original, const char *applied)
{
	return tune_state_add(&((TuneFile *)data)->state, key, original, applied);
}

static void file_forget(void *data, const char *key)
{
	tune_state_remove(&((TuneFile *)data)->state, key);
}

static int file_list(void *data, char ***ret_keys)
{
	const TuneState *s = &((TuneFile *)data)->state;
	_cleanup_strv_free_ char **keys = NULL;

	for (size_t i = 0; i < s->n; i++)
		if (strv_extend(&keys, s->entries[i].path) < 0)
			return -ENOMEM;
	*ret_keys = TAKE_PTR(keys);
	return 0;
}

/* Nothing saved is no file: a full revert leaves none behind. */
static int file_save(void *data)
{
	TuneFile *f = data;

	if (f->state.n > 0)
		return tune_file_save(f->path, &f->state);
	return unlink(f->path) < 0 && errno != ENOENT ? negative_errno() : 0;
}

void tune_file_store(TuneFile *f, TuneStore *ret)
{
	*ret = (TuneStore){
		.data = f,
		.name = f->path,
		.get = file_get,
		.put = file_put,
		.forget = file_forget,
		.list = file_list,
		.save = file_save,
	};
}
