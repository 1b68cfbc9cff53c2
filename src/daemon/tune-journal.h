/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "act/tune.h"
#include "daemon/journal.h"

/*
 * kvmnetd's store of tuning originals (act/tune.h): the journal's generic
 * originals under the key "tune:" + the knob's key, saved with the rest
 * of the journal in STATE_DIR/journal.json.  The value applied is not
 * kept.
 */
#define TUNE_JOURNAL_PREFIX "tune:"

typedef struct TuneJournal {
	Journal *journal;
	const char *state_dir;
	char *name; /* STATE_DIR/journal.json */
} TuneJournal;

int tune_journal_init(TuneJournal *tj, Journal *j, const char *state_dir);
void tune_journal_done(TuneJournal *tj);
/* The store over tj (which must outlive it). */
void tune_journal_store(TuneJournal *tj, TuneStore *ret);
