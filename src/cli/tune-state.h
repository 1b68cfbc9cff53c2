/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * The state file of `kvmnetctl tune`: for every knob changed, its host
 * path, the value it had before kvmnet first changed it, and the value
 * written.  It is written (atomically: temp file, fsync, rename, fsync of
 * the directory) before the knob is touched, so a crash between the two
 * still leaves the original on disk.
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

/* A missing file is an empty state; a malformed one is -EBADMSG, one of a
 * newer version -EPROTONOSUPPORT; a directory, FIFO (never waited on) or
 * huge file the errors of read_regular_file(). */
int tune_state_load(const char *path, TuneState *ret);
int tune_state_save(const char *path, const TuneState *s);
void tune_state_done(TuneState *s);
TuneEntry *tune_state_find(TuneState *s, const char *path);
int tune_state_add(TuneState *s, const char *path, const char *original, const char *applied);
void tune_state_remove(TuneState *s, const char *path);
