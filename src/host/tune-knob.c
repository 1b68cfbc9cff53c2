/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "host/blockq.h"
#include "host/knob-path.h"
#include "host/tune-knob.h"

/* cgroup v1 shows "no limit" as PAGE_COUNTER_MAX pages in bytes
 * (0x7ffffffffffff000 with 4 KiB pages); anything this large is none. */
#define V1_UNLIMITED (1ULL << 62)
/* io.max and blkio files list a line per device; bounded like sysfs. */
#define DEVFILE_MAX (64 * 1024)

void tune_knob_done(TuneKnob *k)
{
	if (!k)
		return;
	free(k->label);
	free(k->path);
	free(k->key);
	free(k->want);
	*k = (TuneKnob){};
}

void tune_knobs_done(TuneKnobs *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		tune_knob_done(&ks->k[i]);
	free(ks->k);
	*ks = (TuneKnobs){};
}

int tune_knobs_add(TuneKnobs *ks, TuneKnobKind kind, const char *label, const char *path, const char *device,
		   const char *want)
{
	TuneKnob k = { .kind = kind };
	TuneKnob *n;

	k.label = strdup(label);
	k.path = strdup(path);
	k.want = strdup(want);
	if (device) {
		if (asprintf(&k.key, "%s %s", path, device) < 0)
			k.key = NULL;
	} else
		k.key = strdup(path);
	n = k.label && k.path && k.want && k.key ? reallocarray(ks->k, ks->n + 1, sizeof(TuneKnob)) : NULL;
	if (!n) {
		tune_knob_done(&k);
		return -ENOMEM;
	}
	ks->k = n;
	ks->k[ks->n++] = k;
	return 0;
}

const TuneKnob *tune_knobs_find(const TuneKnobs *ks, const char *key)
{
	for (size_t i = 0; i < ks->n; i++)
		if (streq(ks->k[i].key, key))
			return &ks->k[i];
	return NULL;
}

int tune_knobs_add_sched(TuneKnobs *ks, SchedFlavor *ret_flavor)
{
	SchedFlavor f = sched_detect();
	const SchedKnob *sk;
	size_t n;
	int r;

	*ret_flavor = f;
	if (f == SCHED_FLAVOR_NONE)
		return -ENOENT;
	sk = sched_knobs(f, &n);
	for (size_t i = 0; i < n; i++) {
		char label[64], want[32];

		snprintf(label, sizeof(label), "sched %s", sk[i].name);
		snprintf(want, sizeof(want), "%" PRIu64, sk[i].value);
		r = tune_knobs_add(ks, TUNE_KNOB_SCHED, label, sk[i].path, NULL, want);
		if (r < 0)
			return r;
	}
	return 0;
}

int tune_knobs_add_disk(TuneKnobs *ks, const char *dev)
{
	_cleanup_free_ char *cur = NULL, *path = NULL, *label = NULL;
	_cleanup_strv_free_ char **avail = NULL;
	const char *want;
	int r;

	r = blockq_read_scheduler(dev, &cur, &avail);
	if (r < 0)
		return r;
	want = blockq_pick_deadline(avail);
	if (!want)
		return -EOPNOTSUPP;
	if (blockq_scheduler_path(dev, &path) < 0 || asprintf(&label, "disk %s", dev) < 0)
		return -ENOMEM;
	return tune_knobs_add(ks, TUNE_KNOB_QUEUE, label, path, NULL, want);
}

/* "MAJ:MIN" of a DEVLINE key, after its last space. */
static const char *key_device(const TuneKnob *k)
{
	const char *sp = strrchr(k->key, ' ');

	return sp ? sp + 1 : "";
}

static int read_devline(const TuneKnob *k, char **ret)
{
	_cleanup_free_ char *text = NULL;
	const char *dev = key_device(k);
	size_t dlen = strlen(dev);
	int r;

	r = read_full_file(k->path, DEVFILE_MAX, &text, NULL);
	if (r < 0)
		return r;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (strneq(line, dev, dlen) && line[dlen] == ' ') {
			char *v = strdup(line + dlen + 1);

			if (!v)
				return -ENOMEM;
			*ret = strstrip(v);
			return 0;
		}
	}
	return -ENOENT;
}

int tune_knob_read(const TuneKnob *k, char **ret)
{
	_cleanup_free_ char *line = NULL, *cur = NULL;
	_cleanup_strv_free_ char **avail = NULL;
	int r;

	if (k->kind == TUNE_KNOB_DEVLINE)
		return read_devline(k, ret);
	r = read_one_line(k->path, &line);
	if (r < 0)
		return r;
	strstrip(line);
	if (k->kind != TUNE_KNOB_QUEUE) {
		*ret = TAKE_PTR(line);
		return 0;
	}
	r = blockq_parse_scheduler(line, &cur, &avail);
	if (r < 0)
		return r;
	if (!cur)
		return -EBADMSG;
	*ret = TAKE_PTR(cur);
	return 0;
}

bool tune_knob_satisfied(const TuneKnob *k, const char *now)
{
	uint64_t v;

	if (streq(now, k->want))
		return true;
	return k->kind == TUNE_KNOB_V1_LIMIT && parse_u64(now, &v) == 0 && v >= V1_UNLIMITED;
}

int tune_knob_write(const TuneKnob *k, const char *value)
{
	_cleanup_free_ char *line = NULL;

	if (k->kind != TUNE_KNOB_DEVLINE)
		return write_string_file(k->path, value);
	if (asprintf(&line, "%s %s", key_device(k), value) < 0)
		return -ENOMEM;
	return write_string_file(k->path, line);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && streq(s + n - m, suffix);
}

int tune_knob_from_key(const char *key, TuneKnob *ret, const char **ret_why)
{
	_cleanup_free_ char *path = strdup(key);
	const char *sp = strrchr(key, ' ');
	TuneKnobKind kind = TUNE_KNOB_PLAIN;
	TuneKnobs one = {};
	int r;

	if (!path)
		return -ENOMEM;
	/* The key comes from a file on disk: only a knob kvmnet writes. */
	*ret_why = NULL;
	r = knob_path_check(key, ret_why);
	if (r < 0)
		return r;
	if (sp) {
		path[sp - key] = 0;
		kind = TUNE_KNOB_DEVLINE;
	} else if (ends_with(key, "/queue/scheduler"))
		kind = TUNE_KNOB_QUEUE;
	r = tune_knobs_add(&one, kind, key, path, sp ? sp + 1 : NULL, "");
	if (r < 0)
		return r;
	*ret = one.k[0];
	free(one.k);
	return 0;
}
