/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

/*
 * The state file of `kvmnetctl tune`, as data: for every knob changed,
 * its key (src/host/tune-knob.h: the host path, or "PATH MAJ:MIN"), the
 * value it had before kvmnet first changed it, and the value written.
 * The file itself is read and written by src/act/tune-file.c.
 *
 *   {"version": 1, "entries": [{"path": "/sys/block/vda/queue/scheduler",
 *     "original": "none", "applied": "mq-deadline"}]}
 */
typedef struct TuneEntry {
	char *path;
	char *original;
	char *applied;
} TuneEntry;

typedef struct TuneState {
	TuneEntry *entries;
	size_t n;
} TuneState;

void tune_state_done(TuneState *s);
TuneEntry *tune_state_find(TuneState *s, const char *path);
int tune_state_add(TuneState *s, const char *path, const char *original, const char *applied);
void tune_state_remove(TuneState *s, const char *path);

/* The file's text parsed: -EBADMSG unless version 1 with well-formed
 * entries, each an absolute path once; -EPROTONOSUPPORT for a newer
 * version. */
int tune_state_parse(const char *text, TuneState *ret);
/* The file's document (the caller puts it). */
json_object *tune_state_to_json(const TuneState *s);
