/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "act/tune.h"
#include "model/tune-state.h"

/*
 * The state file of `kvmnetctl tune` on disk (its format:
 * src/model/tune-state.h), and the store of originals (act/tune.h) kept
 * in it.  It is written atomically (temp file, fsync, rename, fsync of
 * the directory); when nothing is left saved it is removed.
 */

/* A missing file is an empty state; a malformed one is -EBADMSG, one of a
 * newer version -EPROTONOSUPPORT; a directory, FIFO (never waited on) or
 * huge file the errors of read_regular_file(). */
int tune_file_load(const char *path, TuneState *ret);
int tune_file_save(const char *path, const TuneState *s);

typedef struct TuneFile {
	char *path;
	TuneState state;
} TuneFile;

/* The file at path, loaded (errors as tune_file_load()). */
int tune_file_open(const char *path, TuneFile **ret);
void tune_file_free(TuneFile *f);
static inline void tune_file_freep(TuneFile **f)
{
	tune_file_free(*f);
}
#define _cleanup_tune_file_free_ __attribute__((cleanup(tune_file_freep)))
/* The store over f (which must outlive it); its name is the path. */
void tune_file_store(TuneFile *f, TuneStore *ret);
