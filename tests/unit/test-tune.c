/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src/act/tune.c, the one apply and revert of both front ends, over a
 * fake store of originals (in memory, its save made to fail on demand)
 * and the debugfs scheduler knobs and block queue of
 * tests/fixtures/tune-debugfs copied to a throw-away root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "act/tune-file.h"
#include "act/tune.h"
#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "../lib/tmp-root.h"

#define SCHED "/sys/kernel/debug/sched/"
#define MIN_GRAN SCHED "min_granularity_ns"
#define LATENCY SCHED "latency_ns"
#define WAKEUP SCHED "wakeup_granularity_ns"
#define SDA "/sys/block/sda/queue/scheduler"

typedef struct Fake {
	char **keys, **originals; /* in the order put */
	int saves, puts;
	int fail_save;	    /* -errno the next saves return */
	char *min_at_save;  /* min_granularity_ns as the last save found it */
	char **keys_at_save; /* what the last good save "wrote" */
} Fake;

typedef struct Env {
	char root[TMP_ROOT_MAX];
	Fake fake;
	TuneStore store;
	TuneKnobs ks;
	TuneReport report;
} Env;

static ssize_t fake_find(Fake *f, const char *key)
{
	for (size_t i = 0; f->keys && f->keys[i]; i++)
		if (streq(f->keys[i], key))
			return (ssize_t)i;
	return -1;
}

static const char *fake_get(void *data, const char *key, const char **ret_applied)
{
	Fake *f = data;
	ssize_t i = fake_find(f, key);

	if (ret_applied)
		*ret_applied = NULL;
	return i < 0 ? NULL : f->originals[i];
}

static int fake_put(void *data, const char *key, const char *original, const char *applied)
{
	Fake *f = data;

	assert_true(fake_find(f, key) < 0);
	f->puts++;
	assert_int_equal(strv_extend(&f->keys, key), 0);
	assert_int_equal(strv_extend(&f->originals, original), 0);
	return 0;
}

static void strv_drop(char **l, size_t i)
{
	free(l[i]);
	memmove(&l[i], &l[i + 1], (strv_length(l) - i) * sizeof(char *));
}

static void fake_forget(void *data, const char *key)
{
	Fake *f = data;
	ssize_t i = fake_find(f, key);

	if (i < 0)
		return;
	strv_drop(f->keys, (size_t)i);
	strv_drop(f->originals, (size_t)i);
}

static int fake_list(void *data, char ***ret)
{
	Fake *f = data;
	char **copy = NULL;

	STRV_FOREACH(k, f->keys)
		assert_int_equal(strv_extend(&copy, *k), 0);
	*ret = copy;
	return 0;
}

static int fake_save(void *data)
{
	Fake *f = data;

	f->saves++;
	free(f->min_at_save);
	f->min_at_save = NULL;
	assert_int_equal(read_one_line(MIN_GRAN, &f->min_at_save), 0);
	if (f->fail_save)
		return f->fail_save;
	strv_free(f->keys_at_save);
	f->keys_at_save = NULL;
	STRV_FOREACH(k, f->keys)
		assert_int_equal(strv_extend(&f->keys_at_save, *k), 0);
	return 0;
}

static const char *get(const char *path)
{
	static char *buf;

	free(buf);
	buf = NULL;
	return read_one_line(path, &buf) < 0 ? "(unreadable)" : buf;
}

static int setup(void **state)
{
	Env *e = calloc(1, sizeof(Env));
	SchedFlavor flavor;

	assert_non_null(e);
	assert_int_equal(tmp_root_new(e->root, "tune"), 0);
	assert_int_equal(tmp_root_copy(e->root, "tune-debugfs", ""), 0);
	e->store = (TuneStore){ .data = &e->fake, .name = "fake", .get = fake_get, .put = fake_put,
				.forget = fake_forget, .list = fake_list, .save = fake_save };
	/* min_granularity 3 ms -> 4, wakeup already 4 ms, latency 24 -> 32;
	 * sda none -> mq-deadline. */
	assert_int_equal(tune_knobs_add_sched(&e->ks, &flavor), 0);
	assert_int_equal(flavor, SCHED_FLAVOR_DEBUGFS);
	assert_int_equal(tune_knobs_add_disk(&e->ks, "sda"), 0);
	assert_int_equal(e->ks.n, 4);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	Env *e = *state;

	tune_report_done(&e->report);
	tune_knobs_done(&e->ks);
	strv_free(e->fake.keys);
	strv_free(e->fake.originals);
	strv_free(e->fake.keys_at_save);
	free(e->fake.min_at_save);
	assert_int_equal(tmp_root_remove(e->root), 0);
	free(e);
	return 0;
}

static const TuneOutcome *outcome(const Env *e, const char *key)
{
	for (size_t i = 0; i < e->report.n; i++)
		if (streq(e->report.outcomes[i].key, key))
			return &e->report.outcomes[i];
	fail_msg("no outcome for %s", key);
	return NULL;
}

static void test_apply_saves_first(void **state)
{
	Env *e = *state;

	assert_int_equal(tune_apply(&e->ks, &e->store, false, &e->report), 0);
	/* One save, before any write: the knob still had its original. */
	assert_int_equal(e->fake.saves, 1);
	assert_string_equal(e->fake.min_at_save, "3000000");
	assert_int_equal(strv_length(e->fake.keys_at_save), 3);
	assert_string_equal(get(MIN_GRAN), "4000000");
	assert_string_equal(get(LATENCY), "32000000");
	assert_string_equal(get(SDA), "mq-deadline");
	assert_int_equal(outcome(e, MIN_GRAN)->result, TUNE_CHANGED);
	assert_string_equal(outcome(e, MIN_GRAN)->original, "3000000");
	assert_int_equal(outcome(e, WAKEUP)->result, TUNE_ALREADY);
	assert_null(outcome(e, WAKEUP)->original);
	assert_string_equal(fake_get(&e->fake, SDA, NULL), "none");
	assert_null(fake_get(&e->fake, WAKEUP, NULL));
	assert_int_equal(tune_report_failures(&e->report), 0);

	/* Again, someone having changed one knob: only it is written, its
	 * first original kept, nothing recorded or saved twice. */
	assert_int_equal(write_string_file(MIN_GRAN, "1234567"), 0);
	tune_report_done(&e->report);
	assert_int_equal(tune_apply(&e->ks, &e->store, false, &e->report), 0);
	assert_int_equal(e->fake.saves, 1);
	assert_int_equal(e->fake.puts, 3);
	assert_string_equal(get(MIN_GRAN), "4000000");
	assert_int_equal(outcome(e, MIN_GRAN)->result, TUNE_CHANGED);
	assert_string_equal(outcome(e, MIN_GRAN)->original, "3000000");
	assert_int_equal(outcome(e, LATENCY)->result, TUNE_ALREADY);
	assert_string_equal(outcome(e, LATENCY)->original, "24000000");
}

static void test_apply_failing_save_writes_nothing(void **state)
{
	Env *e = *state;

	e->fake.fail_save = -ENOSPC;
	assert_int_equal(tune_apply(&e->ks, &e->store, false, &e->report), -ENOSPC);
	assert_int_equal(e->report.save_error, -ENOSPC);
	assert_int_equal(e->fake.saves, 1);
	assert_string_equal(get(MIN_GRAN), "3000000");
	assert_string_equal(get(LATENCY), "24000000");
	assert_string_equal(get(SDA), "[none] mq-deadline kyber bfq");
	assert_int_equal(outcome(e, MIN_GRAN)->result, TUNE_PENDING);
	assert_int_equal(outcome(e, WAKEUP)->result, TUNE_ALREADY);
	/* The store as it was: the next apply records them again. */
	assert_null(e->fake.keys ? e->fake.keys[0] : NULL);
}

static void test_refused_write_forgets(void **state)
{
	Env *e = *state;
	char p[256];

	/* A knob that reads but refuses the write (a link to a read-only
	 * sysctl, as lockdown refuses debugfs), and one that cannot be read. */
	snprintf(p, sizeof(p), "%s" LATENCY, e->root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/proc/sys/kernel/osrelease", p), 0);
	snprintf(p, sizeof(p), "%s" SDA, e->root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(tune_apply(&e->ks, &e->store, false, &e->report), 0);
	assert_int_equal(outcome(e, LATENCY)->result, TUNE_WRITE_FAILED);
	assert_true(outcome(e, LATENCY)->error < 0);
	assert_int_equal(outcome(e, SDA)->result, TUNE_READ_FAILED);
	assert_int_equal(outcome(e, SDA)->error, -EISDIR);
	assert_int_equal(outcome(e, MIN_GRAN)->result, TUNE_CHANGED);
	assert_int_equal(tune_report_failures(&e->report), 2);
	/* Saved with it before the write, forgotten and saved again after. */
	assert_int_equal(e->fake.saves, 2);
	assert_null(fake_get(&e->fake, LATENCY, NULL));
	assert_false(strv_contains(e->fake.keys_at_save, LATENCY));
	assert_true(strv_contains(e->fake.keys_at_save, MIN_GRAN));
	assert_false(strv_contains(e->fake.keys_at_save, SDA));
}

static void test_refused_write_keeps_older_original(void **state)
{
	Env *e = *state;
	char p[256];

	/* Saved by an earlier apply, refused now: that original stays. */
	assert_int_equal(fake_put(&e->fake, LATENCY, "20000000", "32000000"), 0);
	snprintf(p, sizeof(p), "%s" LATENCY, e->root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/proc/sys/kernel/osrelease", p), 0);
	assert_int_equal(tune_apply(&e->ks, &e->store, false, &e->report), 0);
	assert_int_equal(outcome(e, LATENCY)->result, TUNE_WRITE_FAILED);
	assert_string_equal(fake_get(&e->fake, LATENCY, NULL), "20000000");
	assert_int_equal(e->fake.saves, 1);
}

static void test_dry_run_touches_nothing(void **state)
{
	Env *e = *state;

	assert_int_equal(tune_apply(&e->ks, &e->store, true, &e->report), 0);
	assert_int_equal(e->fake.saves, 0);
	assert_int_equal(e->fake.puts, 0);
	assert_string_equal(get(MIN_GRAN), "3000000");
	assert_string_equal(get(SDA), "[none] mq-deadline kyber bfq");
	assert_int_equal(outcome(e, MIN_GRAN)->result, TUNE_DRY);
	assert_int_equal(outcome(e, SDA)->result, TUNE_DRY);
	assert_int_equal(outcome(e, WAKEUP)->result, TUNE_ALREADY);
}

static void test_revert(void **state)
{
	static const TuneRevertOptions forget = { .forget_gone = true };
	Env *e = *state;
	char p[256];

	assert_int_equal(tune_apply(&e->ks, &e->store, false, &e->report), 0);
	/* A key someone put in the store by hand: no knob kvmnet writes. */
	assert_int_equal(tmp_root_put(e->root, "/etc/shadow", "root:secret"), 0);
	assert_int_equal(fake_put(&e->fake, "/etc/shadow", "pwned", "x"), 0);
	tune_report_done(&e->report);
	assert_int_equal(tune_revert(&e->store, &forget, &e->report), 0);
	assert_int_equal(e->report.n, 4);
	/* Newest first. */
	assert_string_equal(e->report.outcomes[0].key, "/etc/shadow");
	assert_int_equal(e->report.outcomes[0].result, TUNE_REFUSED);
	assert_non_null(e->report.outcomes[0].why);
	assert_string_equal(e->report.outcomes[1].key, SDA);
	assert_string_equal(e->report.outcomes[3].key, MIN_GRAN);
	assert_int_equal(e->report.outcomes[3].result, TUNE_RESTORED);
	assert_string_equal(e->report.outcomes[3].original, "3000000");
	assert_string_equal(get("/etc/shadow"), "root:secret");
	assert_string_equal(get(MIN_GRAN), "3000000");
	assert_string_equal(get(SDA), "none");
	assert_int_equal(tune_report_failures(&e->report), 1);
	/* The refused key kept, the store saved. */
	assert_int_equal(strv_length(e->fake.keys), 1);
	assert_string_equal(e->fake.keys_at_save[0], "/etc/shadow");
	assert_int_equal(strv_length(e->fake.keys_at_save), 1);

	/* A knob whose file is gone: kept, or forgotten when asked. */
	fake_forget(&e->fake, "/etc/shadow");
	assert_int_equal(fake_put(&e->fake, LATENCY, "24000000", "32000000"), 0);
	snprintf(p, sizeof(p), "%s" LATENCY, e->root);
	assert_int_equal(unlink(p), 0);
	tune_report_done(&e->report);
	assert_int_equal(tune_revert(&e->store, &(TuneRevertOptions){}, &e->report), 0);
	assert_int_equal(e->report.outcomes[0].result, TUNE_KEY_FAILED);
	assert_int_equal(e->report.outcomes[0].error, -ENOENT);
	assert_string_equal(fake_get(&e->fake, LATENCY, NULL), "24000000");
	tune_report_done(&e->report);
	assert_int_equal(tune_revert(&e->store, &forget, &e->report), 0);
	assert_int_equal(e->report.outcomes[0].result, TUNE_GONE);
	assert_null(e->fake.keys[0]);
}

static void test_revert_failing_save(void **state)
{
	Env *e = *state;

	assert_int_equal(fake_put(&e->fake, MIN_GRAN, "2000000", "4000000"), 0);
	e->fake.fail_save = -EROFS;
	assert_int_equal(tune_revert(&e->store, &(TuneRevertOptions){}, &e->report), -EROFS);
	assert_int_equal(e->report.save_error, -EROFS);
	assert_int_equal(e->report.outcomes[0].result, TUNE_RESTORED);
	assert_string_equal(get(MIN_GRAN), "2000000");
}

static void test_file_store(void **state)
{
	Env *e = *state;
	TuneFile *f = NULL;
	TuneStore st;
	const char *applied = NULL;
	char **keys = NULL;
	char path[128];

	/* tune-state.json as the store: saved with the values applied, read
	 * back in the order saved, and no file once all is given back. */
	snprintf(path, sizeof(path), "%s/state.json", e->root);
	assert_int_equal(tune_file_open(path, &f), 0);
	tune_file_store(f, &st);
	assert_string_equal(st.name, path);
	assert_int_equal(tune_apply(&e->ks, &st, false, &e->report), 0);
	tune_file_free(f);
	assert_int_equal(tune_file_open(path, &f), 0);
	tune_file_store(f, &st);
	assert_string_equal(st.get(st.data, SDA, &applied), "none");
	assert_string_equal(applied, "mq-deadline");
	assert_int_equal(st.list(st.data, &keys), 0);
	assert_int_equal(strv_length(keys), 3);
	assert_string_equal(keys[0], MIN_GRAN);
	assert_string_equal(keys[2], SDA);
	strv_free(keys);
	tune_report_done(&e->report);
	assert_int_equal(tune_revert(&st, &(TuneRevertOptions){}, &e->report), 0);
	assert_string_equal(e->report.outcomes[0].key, SDA);
	assert_int_equal(tune_report_failures(&e->report), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_string_equal(get(SDA), "none");
	tune_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_saves_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_failing_save_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_write_forgets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_write_keeps_older_original, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_touches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_failing_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
