/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs in a throw-away directory under /tmp as the state_dir. */
#include <errno.h>
#include <fcntl.h>
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

#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/journal.h"

static char dir[] = "/tmp/kvmnet-test-journal-XXXXXX";
static const char *uuid = "6f1a3c1e-7d1b-4a8e-9f00-0123456789ab";

static void put_file(const char *name, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static bool exists(const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void clean(void)
{
	static const char *const names[] = { JOURNAL_FILE, JOURNAL_FILE ".tmp", JOURNAL_FILE ".corrupt" };
	char p[512];

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	clean();
	return rmdir(dir);
}

/* A journal with one of everything. */
static Journal *sample(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };
	PciAddr pf = { .bus = 3 }, pf2 = { .bus = 4, .function = 1 };
	Journal *j = NULL;

	assert_int_equal(journal_new(&j), 0);
	j->active = true;
	j->below_since_us = 123456789;
	assert_int_equal(journal_record_numvfs(j, &pf, 0, 1), 0);
	assert_int_equal(journal_record_vf(j, &pf, 0, NULL, mac), 0);
	assert_int_equal(journal_record_vf(j, &pf, 1, "igbvf", NULL), 0);
	assert_int_equal(journal_record_vf(j, &pf2, 5, NULL, NULL), 0);
	assert_int_equal(journal_add_attach(j, uuid, &pf, 0), 0);
	assert_int_equal(journal_record_original(j, "/proc/irq/42/smp_affinity_list", "0-7"), 0);
	return j;
}

static void assert_sample(const Journal *j)
{
	PciAddr pf = { .bus = 3 }, pf2 = { .bus = 4, .function = 1 };
	const JournalPf *p = journal_find_pf(j, &pf), *p2 = journal_find_pf(j, &pf2);
	const char *who = NULL;

	assert_true(j->active);
	assert_int_equal(j->below_since_us, 123456789);
	assert_non_null(p);
	assert_true(p->numvfs_changed);
	assert_int_equal(p->numvfs, 0);
	assert_int_equal(p->autoprobe, 1);
	assert_int_equal(p->n_vfs, 2);
	assert_null(p->vfs[0].driver_override);
	assert_true(p->vfs[0].has_mac);
	assert_int_equal(p->vfs[0].mac[5], 0xcc);
	assert_string_equal(p->vfs[1].driver_override, "igbvf");
	assert_false(p->vfs[1].has_mac);
	assert_non_null(p2);
	assert_false(p2->numvfs_changed);
	assert_int_equal(p2->autoprobe, -1);
	assert_true(journal_is_attached(j, &pf, 0, &who));
	assert_string_equal(who, uuid);
	assert_false(journal_is_attached(j, &pf, 1, NULL));
	assert_string_equal(journal_get_original(j, "/proc/irq/42/smp_affinity_list"), "0-7");
}

static void test_round_trip(void **state)
{
	_cleanup_journal_free_ Journal *j = sample(), *back = NULL;
	_cleanup_free_ char *text = NULL, *err = NULL;

	assert_int_equal(journal_to_json(j, &text), 0);
	assert_int_equal(journal_from_json(text, &back, &err), 0);
	assert_null(err);
	assert_sample(back);
}

static void test_first_value_wins(void **state)
{
	_cleanup_journal_free_ Journal *j = sample();
	PciAddr pf = { .bus = 3 };

	/* a second record (after a restart, the daemon's own value is now
	 * there) must not replace the original */
	assert_int_equal(journal_record_numvfs(j, &pf, 7, 0), 0);
	assert_int_equal(journal_record_vf(j, &pf, 1, "vfio-pci", NULL), 0);
	assert_int_equal(journal_record_original(j, "/proc/irq/42/smp_affinity_list", "3"), 0);
	assert_sample(j);
	journal_forget_original(j, "/proc/irq/42/smp_affinity_list");
	assert_null(journal_get_original(j, "/proc/irq/42/smp_affinity_list"));
	journal_remove_attach(j, &pf, 0);
	assert_false(journal_is_attached(j, &pf, 0, NULL));
	journal_forget_pf(j, &pf);
	assert_null(journal_find_pf(j, &pf));
	assert_int_equal(j->n_pfs, 1);
}

static void test_save_load(void **state)
{
	_cleanup_journal_free_ Journal *j = sample(), *back = NULL;
	char *err = NULL;
	struct stat st;
	char p[512];

	clean();
	assert_int_equal(journal_save(j, dir), 0);
	assert_false(exists(JOURNAL_FILE ".tmp"));
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_FILE);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(journal_load(dir, &back, &err), 0);
	assert_sample(back);
}

static void test_missing(void **state)
{
	_cleanup_journal_free_ Journal *j = NULL, *j2 = NULL;
	char *err = NULL;

	clean();
	assert_int_equal(journal_load(dir, &j, &err), 0);
	assert_int_equal(j->n_pfs + j->n_attached + j->n_originals, 0);
	assert_false(j->active);
	/* a state_dir that does not exist yet: first start */
	assert_int_equal(journal_load("/nonexistent/kvmnet", &j2, &err), 0);
	assert_null(err);
}

/* Killed while saving: the tmp file is half written; the journal is the
 * last complete one, and the next save replaces the leftover. */
static void test_crash_while_saving(void **state)
{
	_cleanup_journal_free_ Journal *j = sample(), *back = NULL, *back2 = NULL, *empty = NULL;
	char *err = NULL;

	clean();
	assert_int_equal(journal_save(j, dir), 0);
	put_file(JOURNAL_FILE ".tmp", "{\"version\": 1, \"active\": fal");
	assert_int_equal(journal_load(dir, &back, &err), 0);
	assert_sample(back);
	assert_int_equal(journal_save(j, dir), 0);
	assert_false(exists(JOURNAL_FILE ".tmp"));
	assert_int_equal(journal_load(dir, &back2, &err), 0);
	assert_sample(back2);

	/* killed before the first rename: no journal at all yet */
	clean();
	put_file(JOURNAL_FILE ".tmp", "{\"vers");
	assert_int_equal(journal_load(dir, &empty, &err), 0);
	assert_int_equal(empty->n_pfs, 0);
}

static const char *file_text(const char *name)
{
	static char buf[4096];
	char p[512];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = 0;
	return buf;
}

static void expect_corrupt(const char *content, const char *why)
{
	_cleanup_free_ char *err = NULL;
	Journal *j = NULL;
	char want[1024];

	clean();
	put_file(JOURNAL_FILE, content);
	assert_int_equal(journal_load(dir, &j, &err), -EBADMSG);
	assert_null(j);
	/* The path once, the fault; and the file left where it is, as it
	 * was: only the operator sets it aside. */
	snprintf(want, sizeof(want), "%s/%s: corrupt journal: %s", dir, JOURNAL_FILE, why);
	assert_string_equal(err, want);
	assert_true(exists(JOURNAL_FILE));
	assert_string_equal(file_text(JOURNAL_FILE), content);
	assert_false(exists(JOURNAL_FILE ".corrupt"));
}

#define HEAD "{\"version\": 1, \"active\": true, \"below_since_us\": 0, "

static void test_corrupt(void **state)
{
	_cleanup_journal_free_ Journal *j = NULL;
	char *err = NULL;

	expect_corrupt("", "not JSON: empty or cut short");
	expect_corrupt("{\"version\": 1,", "not JSON: empty or cut short");
	expect_corrupt("[1, 2]", "the top level should be an object");
	expect_corrupt("{} {}", "not JSON: unexpected character");
	expect_corrupt("{\"version\": 0}", "version 0, this kvmnetd reads version 1");
	expect_corrupt("{\"version\": 1}", "'active' is missing");
	expect_corrupt(HEAD "\"pfs\": {}, \"attached\": [], \"originals\": {}}", "'pfs' should be of JSON type array");
	expect_corrupt(HEAD "\"pfs\": [{\"pf\": \"zz\", \"numvfs_changed\": true, \"numvfs\": 0, \"autoprobe\": 1, "
			    "\"vfs\": []}], \"attached\": [], \"originals\": {}}",
		       "'pf' is not a PCI address");
	expect_corrupt(HEAD "\"pfs\": [{\"pf\": \"03:00.0\", \"numvfs_changed\": true, \"numvfs\": -1, "
			    "\"autoprobe\": 1, \"vfs\": []}], \"attached\": [], \"originals\": {}}",
		       "'numvfs' is -1, expected 0..65535");
	expect_corrupt(HEAD "\"pfs\": [{\"pf\": \"03:00.0\", \"numvfs_changed\": true, \"numvfs\": 0, "
			    "\"autoprobe\": 1, \"vfs\": [{\"index\": 0, \"driver_override\": null, \"mac\": \"52:54\"}]}], "
			    "\"attached\": [], \"originals\": {}}",
		       "'mac' is not a MAC address");
	/* Signs are not hex digits (sscanf("%2x") took them). */
	expect_corrupt(HEAD "\"pfs\": [{\"pf\": \"03:00.0\", \"numvfs_changed\": true, \"numvfs\": 0, "
			    "\"autoprobe\": 1, \"vfs\": [{\"index\": 0, \"driver_override\": null, "
			    "\"mac\": \"-1:-1:-1:-1:-1:-1\"}]}], \"attached\": [], \"originals\": {}}",
		       "'mac' is not a MAC address");
	expect_corrupt(HEAD "\"pfs\": [], \"attached\": [{\"vm\": \"x\", \"pf\": \"03:00.0\", \"vf\": 0}], "
			    "\"originals\": {}}",
		       "'vm' is not a UUID");
	expect_corrupt(HEAD "\"pfs\": [], \"attached\": [], \"originals\": {\"k\": 1}}",
		       "original 'k' should be a string");
	/* a corrupt journal stays: the next load refuses it again */
	assert_int_equal(journal_load(dir, &j, &err), -EBADMSG);
	free(err);
}

/* A newer kvmnetd's journal is refused by name, not taken for corrupt. */
static void test_newer_version(void **state)
{
	_cleanup_free_ char *err = NULL;
	Journal *j = NULL;
	char want[1024];

	clean();
	put_file(JOURNAL_FILE, "{\"version\": 3, \"whatever\": []}");
	assert_int_equal(journal_load(dir, &j, &err), -EPROTONOSUPPORT);
	assert_null(j);
	snprintf(want, sizeof(want), "%s/%s: journal version 3 is newer than this kvmnetd understands (%d)", dir,
		 JOURNAL_FILE, JOURNAL_VERSION);
	assert_string_equal(err, want);
	assert_string_equal(file_text(JOURNAL_FILE), "{\"version\": 3, \"whatever\": []}");
}

/* Set aside twice in the same second: two copies, neither overwritten. */
static void test_set_aside(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL;
	_cleanup_strv_free_ char **l = NULL;
	char p[512];

	clean();
	assert_int_equal(journal_set_aside(dir, &a), -ENOENT);
	put_file(JOURNAL_FILE, "first");
	assert_int_equal(journal_set_aside(dir, &a), 0);
	put_file(JOURNAL_FILE, "second");
	assert_int_equal(journal_set_aside(dir, &b), 0);
	assert_true(strneq(a, JOURNAL_SET_ASIDE_PREFIX, strlen(JOURNAL_SET_ASIDE_PREFIX)));
	assert_string_not_equal(a, b);
	assert_false(exists(JOURNAL_FILE));
	assert_string_equal(file_text(a), "first");
	assert_string_equal(file_text(b), "second");
	assert_int_equal(journal_list_set_aside(dir, &l), 0);
	assert_int_equal(strv_length(l), 2);
	snprintf(p, sizeof(p), "%s/%s", dir, a);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", dir, b);
	unlink(p);
}

/* Not a regular file: refused with a reason, never opened for reading
 * (a FIFO would hang), never followed (a symlink). */
static void test_not_a_file(void **state)
{
	_cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL;
	Journal *j = NULL;
	char p[512];

	clean();
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_FILE);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(journal_load(dir, &j, &e1), -EBADFD);
	assert_non_null(strstr(e1, "journal.json: cannot read the journal: a FIFO"));
	unlink(p);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(journal_load(dir, &j, &e2), -EBADFD);
	assert_non_null(strstr(e2, "a directory"));
	rmdir(p);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	assert_int_equal(journal_load(dir, &j, &e3), -ELOOP);
	assert_non_null(strstr(e3, "a symbolic link"));
	unlink(p);
	assert_null(j);
}

static void test_nul_and_huge(void **state)
{
	_cleanup_free_ char *err = NULL;
	Journal *j = NULL;
	char p[512];
	int fd;

	clean();
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_FILE);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\0}", 3), 3);
	assert_int_equal(journal_load(dir, &j, &err), -EBADMSG);
	free(err);
	err = NULL;
	clean();
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(ftruncate(fd, 17 << 20), 0);
	close(fd);
	assert_int_equal(journal_load(dir, &j, &err), -EFBIG);
	assert_non_null(strstr(err, "cannot read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_first_value_wins),
		cmocka_unit_test(test_save_load),  cmocka_unit_test(test_missing),
		cmocka_unit_test(test_crash_while_saving), cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_nul_and_huge), cmocka_unit_test(test_newer_version),
		cmocka_unit_test(test_set_aside),    cmocka_unit_test(test_not_a_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
