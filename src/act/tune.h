/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/tune-knob.h"

/*
 * Host tuning, the one way `kvmnetctl tune` and kvmnetd's [tune] change
 * the knobs of src/host/tune-knob.h and give them back.  What it found
 * before kvmnet first changed a knob (its original) is kept in a store,
 * saved before the first write, so a crash loses none: tune-state.json
 * for the CLI (src/act/tune-file.h), the journal for the daemon.
 * Nothing here logs: each knob's result comes back as data, for the
 * front end to print or log in its own words.
 */

/*
 * A store of originals: knob key -> the value it had before kvmnet first
 * changed it, and the value applied where the store keeps it.  put() and
 * forget() change the store in memory; save() puts it on disk.
 */
typedef struct TuneStore {
	void *data;
	const char *name; /* for messages: the file the store is kept in */
	/* The saved original of key, or NULL; *ret_applied (if not NULL)
	 * the value applied, NULL when the store does not keep it. */
	const char *(*get)(void *data, const char *key, const char **ret_applied);
	int (*put)(void *data, const char *key, const char *original, const char *applied);
	void (*forget)(void *data, const char *key);
	/* The saved keys, oldest first, as a strv the caller frees. */
	int (*list)(void *data, char ***ret_keys);
	int (*save)(void *data);
} TuneStore;

typedef enum TuneResult {
	/* apply */
	TUNE_PENDING,	   /* not done: apply stopped before it (nothing written) */
	TUNE_ALREADY,	   /* at its value already: nothing written */
	TUNE_CHANGED,	   /* written (from original) */
	TUNE_DRY,	   /* dry run: would be written */
	TUNE_READ_FAILED,  /* could not be read (error): left alone */
	/* apply and revert */
	TUNE_WRITE_FAILED, /* the kernel refused the write (error); the original stays saved
			    * only when it was saved before this apply, or on revert */
	/* revert */
	TUNE_RESTORED,	   /* original written back and forgotten */
	TUNE_GONE,	   /* its file is gone (error -ENOENT): forgotten */
	TUNE_REFUSED,	   /* no knob kvmnet writes (why, error): nothing written, kept */
	TUNE_KEY_FAILED,   /* the key could not be checked or rebuilt (error): kept */
} TuneResult;

typedef struct TuneOutcome {
	TuneResult result;
	char *key;
	char *original; /* the saved original (on apply: if any), else NULL */
	int error;	/* -errno, for the results that say so */
	const char *why; /* TUNE_REFUSED: knob_path_check()'s sentence */
} TuneOutcome;

/* Filled on success and on failure, for the caller to report. */
typedef struct TuneReport {
	TuneOutcome *outcomes; /* apply: one per knob, in the knobs' order;
				* revert: one per saved original, in the order done */
	size_t n;
	int save_error; /* the store's save failed with this -errno */
} TuneReport;

void tune_report_done(TuneReport *report);
/* Results that are errors (read or write failed, refused, kept). */
size_t tune_report_failures(const TuneReport *report);

/*
 * Read each knob, skip those already at their value, record the
 * originals not yet saved and save the store before any write, then
 * write; an original recorded now for a knob whose write is refused
 * (lockdown EPERM and the like) is forgotten again and the store saved.
 * dry_run reads only: it records and writes nothing.
 * < 0 (-ENOMEM, or the save's error, also in report->save_error): nothing
 * was written and the store holds what it held.  0 otherwise, the
 * failures per knob in the report (and a failed second save in
 * report->save_error).
 */
int tune_apply(const TuneKnobs *ks, TuneStore *store, bool dry_run, TuneReport *report);

typedef struct TuneRevertOptions {
	/* A saved original whose file is gone (a stopped VM's cgroup) is
	 * forgotten (TUNE_GONE); else it is a failure and kept. */
	bool forget_gone;
} TuneRevertOptions;

/*
 * Write every saved original back, newest first (apply lifts a cgroup v1
 * memsw limit before the memory limit under it; the kernel takes memsw
 * only at or above the memory limit, so that goes back first), through
 * tune_knob_from_key() (a key that is no knob kvmnet writes is refused
 * and kept), forget those written, and save the store.  < 0: -ENOMEM (the store not saved), or
 * the save's error (also in report->save_error); 0 otherwise, the
 * originals kept counted by tune_report_failures().
 */
int tune_revert(TuneStore *store, const TuneRevertOptions *opts, TuneReport *report);
