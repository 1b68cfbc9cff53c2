/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/tune-journal.h"

#define PREFIX_LEN (sizeof(TUNE_JOURNAL_PREFIX) - 1)

int tune_journal_init(TuneJournal *tj, Journal *j, const char *state_dir)
{
	char *name = NULL;

	if (asprintf(&name, "%s/%s", state_dir, JOURNAL_FILE) < 0)
		return -ENOMEM;
	*tj = (TuneJournal){ .journal = j, .state_dir = state_dir, .name = name };
	return 0;
}

void tune_journal_done(TuneJournal *tj)
{
	free(tj->name);
	tj->name = NULL;
}

static char *journal_key(const char *key)
{
	char *s = NULL;

	return asprintf(&s, TUNE_JOURNAL_PREFIX "%s", key) < 0 ? NULL : s;
}

/* Out of memory looks like "not saved": put() then fails the same way. */
static const char *journal_get(void *data, const char *key, const char **ret_applied)
{
	TuneJournal *tj = data;
	_cleanup_free_ char *jk = journal_key(key);

	if (ret_applied)
		*ret_applied = NULL;
	return jk ? journal_get_original(tj->journal, jk) : NULL;
}

static int journal_put(void *data, const char *key, const char *original, const char *applied)
{
	TuneJournal *tj = data;
	_cleanup_free_ char *jk = journal_key(key);

	return jk ? journal_record_original(tj->journal, jk, original) : -ENOMEM;
}

static void journal_forget(void *data, const char *key)
{
	TuneJournal *tj = data;
	_cleanup_free_ char *jk = journal_key(key);

	if (jk)
		journal_forget_original(tj->journal, jk);
}

static int journal_list(void *data, char ***ret_keys)
{
	const Journal *j = ((TuneJournal *)data)->journal;
	_cleanup_strv_free_ char **keys = NULL;

	for (size_t i = 0; i < j->n_originals; i++)
		if (strneq(j->originals[i].key, TUNE_JOURNAL_PREFIX, PREFIX_LEN) &&
		    strv_extend(&keys, j->originals[i].key + PREFIX_LEN) < 0)
			return -ENOMEM;
	*ret_keys = TAKE_PTR(keys);
	return 0;
}

static int journal_store_save(void *data)
{
	TuneJournal *tj = data;

	return journal_save(tj->journal, tj->state_dir);
}

void tune_journal_store(TuneJournal *tj, TuneStore *ret)
{
	*ret = (TuneStore){
		.data = tj,
		.name = tj->name,
		.get = journal_get,
		.put = journal_put,
		.forget = journal_forget,
		.list = journal_list,
		.save = journal_store_save,
	};
}
