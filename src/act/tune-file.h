/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "model/tune-state.h"

/*
 * The state file of `kvmnetctl tune` on disk (its format:
 * src/model/tune-state.h).  It is written atomically (temp file, fsync,
 * rename, fsync of the directory) before any knob is touched, so a crash
 * between the two still leaves the original on disk.
 */

/* A missing file is an empty state; a malformed one is -EBADMSG, one of a
 * newer version -EPROTONOSUPPORT; a directory, FIFO (never waited on) or
 * huge file the errors of read_regular_file(). */
int tune_file_load(const char *path, TuneState *ret);
int tune_file_save(const char *path, const TuneState *s);
