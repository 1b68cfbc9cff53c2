/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "act/tune.h"
#include "basic/macro.h"
#include "basic/strv.h"

void tune_report_done(TuneReport *report)
{
	for (size_t i = 0; i < report->n; i++) {
		free(report->outcomes[i].key);
		free(report->outcomes[i].original);
	}
	free(report->outcomes);
	*report = (TuneReport){};
}

size_t tune_report_failures(const TuneReport *report)
{
	size_t n = 0;

	for (size_t i = 0; i < report->n; i++)
		switch (report->outcomes[i].result) {
		case TUNE_READ_FAILED:
		case TUNE_WRITE_FAILED:
		case TUNE_REFUSED:
		case TUNE_KEY_FAILED:
			n++;
			break;
		default:
			break;
		}
	return n;
}

static int report_init(TuneReport *report, size_t n)
{
	*report = (TuneReport){};
	report->outcomes = calloc(n + 1, sizeof(TuneOutcome));
	if (!report->outcomes)
		return -ENOMEM;
	report->n = n;
	return 0;
}

/* The outcome's key and saved original, copied: the store may drop its
 * own copies while the report lives on. */
static int outcome_set(TuneOutcome *o, const char *key, const char *original)
{
	o->key = strdup(key);
	o->original = original ? strdup(original) : NULL;
	return !o->key || (original && !o->original) ? -ENOMEM : 0;
}

/* Read one knob and decide; a knob to write whose original is not saved
 * yet gets it recorded, its key in *added. */
static int apply_read(const TuneKnob *k, TuneStore *store, bool dry_run, TuneOutcome *o, char ***added)
{
	_cleanup_free_ char *now = NULL;
	const char *saved = store->get(store->data, k->key, NULL);
	int r;

	r = outcome_set(o, k->key, saved);
	if (r < 0)
		return r;
	r = tune_knob_read(k, &now);
	if (r < 0) {
		o->result = TUNE_READ_FAILED;
		o->error = r;
		return 0;
	}
	if (tune_knob_satisfied(k, now)) {
		o->result = TUNE_ALREADY;
		return 0;
	}
	o->result = dry_run ? TUNE_DRY : TUNE_PENDING;
	if (dry_run || saved)
		return 0;
	r = store->put(store->data, k->key, now, k->want);
	if (r < 0)
		return r;
	r = strv_extend(added, k->key);
	if (r < 0) {
		store->forget(store->data, k->key);
		return r;
	}
	o->original = TAKE_PTR(now);
	return 0;
}

static void forget_all(TuneStore *store, char **keys)
{
	STRV_FOREACH(key, keys)
		store->forget(store->data, *key);
}

/* Write the knobs decided on; whether an original recorded by this apply
 * was forgotten again. */
static bool apply_writes(const TuneKnobs *ks, TuneStore *store, char **added, TuneReport *report)
{
	bool dropped = false;

	for (size_t i = 0; i < ks->n; i++) {
		TuneOutcome *o = &report->outcomes[i];
		int r;

		if (o->result != TUNE_PENDING)
			continue;
		r = tune_knob_write(&ks->k[i], ks->k[i].want);
		if (r >= 0) {
			o->result = TUNE_CHANGED;
			continue;
		}
		o->result = TUNE_WRITE_FAILED;
		o->error = r;
		/* It kept its value: the original saved just now is moot. */
		if (strv_contains(added, ks->k[i].key)) {
			store->forget(store->data, ks->k[i].key);
			dropped = true;
		}
	}
	return dropped;
}

int tune_apply(const TuneKnobs *ks, TuneStore *store, bool dry_run, TuneReport *report)
{
	_cleanup_strv_free_ char **added = NULL;
	int r;

	r = report_init(report, ks->n);
	for (size_t i = 0; r >= 0 && i < ks->n; i++)
		r = apply_read(&ks->k[i], store, dry_run, &report->outcomes[i], &added);
	/* Originals on disk before the first write, so a crash loses none. */
	if (r >= 0 && added) {
		r = store->save(store->data);
		if (r < 0)
			report->save_error = r;
	}
	if (r < 0) {
		/* Nothing written: the store as it was, to be saved next time. */
		forget_all(store, added);
		return r;
	}
	if (apply_writes(ks, store, added, report)) {
		r = store->save(store->data);
		if (r < 0)
			report->save_error = r;
	}
	return 0;
}

/* One original back; the outcome says whether it is to be forgotten. */
static void revert_one(const char *key, const char *original, bool forget_gone, TuneOutcome *o)
{
	TuneKnob k;
	int r;

	r = tune_knob_from_key(key, &k, &o->why);
	if (r >= 0) {
		r = tune_knob_write(&k, original);
		tune_knob_done(&k);
		o->result = r >= 0 ? TUNE_RESTORED : TUNE_WRITE_FAILED;
	} else
		o->result = o->why ? TUNE_REFUSED : TUNE_KEY_FAILED;
	o->error = r < 0 ? r : 0;
	if (r == -ENOENT && forget_gone)
		o->result = TUNE_GONE;
}

int tune_revert(TuneStore *store, const TuneRevertOptions *opts, TuneReport *report)
{
	_cleanup_strv_free_ char **keys = NULL;
	size_t n;
	int r;

	*report = (TuneReport){};
	r = store->list(store->data, &keys);
	if (r < 0)
		return r;
	n = strv_length(keys);
	r = report_init(report, n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const char *key = keys[n - 1 - i];
		TuneOutcome *o = &report->outcomes[i];

		r = outcome_set(o, key, store->get(store->data, key, NULL));
		if (r < 0)
			return r;
		if (!o->original) {
			o->result = TUNE_KEY_FAILED;
			o->error = -ENODATA;
			continue;
		}
		revert_one(key, o->original, opts->forget_gone, o);
		if (o->result == TUNE_RESTORED || o->result == TUNE_GONE)
			store->forget(store->data, key);
	}
	r = store->save(store->data);
	if (r < 0)
		report->save_error = r;
	return r;
}
