/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetctl tune show|apply|revert [--state FILE] [--disk DEV]...
 *
 * The source document's host tuning: scheduler granularities wherever this
 * kernel keeps them, and the deadline IO scheduler on the VMs' disks.
 * apply saves every original value in the state file before it changes
 * anything; revert writes exactly those back.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "commands.h"
#include "build-config.h"
#include "host/blockq.h"
#include "host/sched.h"
#include "tune-state.h"

typedef struct Knob {
	char *label; /* "sched min_granularity", "disk vda" */
	char *path;  /* host path */
	char *want;  /* the value the source asks for */
	bool is_queue;
} Knob;

typedef struct Knobs {
	Knob *k;
	size_t n;
	int failed; /* knobs that could not even be listed */
} Knobs;

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl tune show|apply|revert [--state FILE] [--disk DEV]...\n"
		"\n"
		"The host tuning of the source document, saved and reversible.\n"
		"\n"
		"  show     where this kernel keeps each knob, its value now, the\n"
		"           value apply writes and the saved original\n"
		"  apply    save the original of every knob not saved yet, then write\n"
		"           scheduler min granularity 4000000 ns, wakeup granularity\n"
		"           4000000 ns, latency 32000000 ns (EEVDF kernels >= 6.6:\n"
		"           base_slice_ns 4000000 only) and the deadline IO scheduler\n"
		"           on each --disk; a knob the kernel refuses (lockdown: EPERM)\n"
		"           is reported and the others still applied\n"
		"  revert   write every saved original back and forget it\n"
		"\n"
		"Options:\n"
		"  -s, --state FILE  state file (default " DEFAULT_STATE_DIR "/tune-state.json)\n"
		"  -d, --disk DEV    a block device under /sys/block (vda, nvme0n1); repeatable\n"
		"  -h, --help        show this help\n");
}

static void knobs_done(Knobs *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->k[i].label);
		free(ks->k[i].path);
		free(ks->k[i].want);
	}
	free(ks->k);
}

static int knobs_add(Knobs *ks, const char *label, const char *path, const char *want, bool is_queue)
{
	Knob *n = realloc(ks->k, (ks->n + 1) * sizeof(Knob));
	Knob k = { strdup(label), strdup(path), strdup(want), is_queue };

	if (n)
		ks->k = n;
	if (!n || !k.label || !k.path || !k.want) {
		free(k.label);
		free(k.path);
		free(k.want);
		return -ENOMEM;
	}
	ks->k[ks->n++] = k;
	return 0;
}

static int collect_sched(Knobs *ks)
{
	SchedFlavor f = sched_detect();
	const SchedKnob *sk;
	size_t n;
	int r;

	printf("scheduler knobs: %s\n", sched_flavor_to_string(f));
	if (f == SCHED_FLAVOR_NONE) {
		log_warning("no scheduler knob found (/proc/sys/kernel/sched_min_granularity_ns, "
			    "/sys/kernel/debug/sched/): on kernels >= 5.13 mount debugfs: "
			    "mount -t debugfs none /sys/kernel/debug");
		ks->failed++;
		return 0;
	}
	sk = sched_knobs(f, &n);
	for (size_t i = 0; i < n; i++) {
		char label[64], want[32];

		snprintf(label, sizeof(label), "sched %s", sk[i].name);
		snprintf(want, sizeof(want), "%" PRIu64, sk[i].value);
		r = knobs_add(ks, label, sk[i].path, want, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static int collect_disk(Knobs *ks, const char *dev)
{
	_cleanup_free_ char *cur = NULL, *path = NULL, *label = NULL;
	_cleanup_strv_free_ char **avail = NULL;
	const char *want;
	int r;

	r = blockq_read_scheduler(dev, &cur, &avail);
	if (r < 0) {
		log_error_errno(r, "disk %s: reading /sys/block/%s/queue/scheduler: %s", dev, dev, strerror(-r));
		ks->failed++;
		return 0;
	}
	want = blockq_pick_deadline(avail);
	if (!want) {
		log_error("disk %s: /sys/block/%s/queue/scheduler offers neither mq-deadline nor deadline "
			  "(modprobe mq-deadline)", dev, dev);
		ks->failed++;
		return 0;
	}
	if (blockq_scheduler_path(dev, &path) < 0 || asprintf(&label, "disk %s", dev) < 0)
		return -ENOMEM;
	return knobs_add(ks, label, path, want, true);
}

static int collect(char **disks, Knobs *ret)
{
	Knobs ks = {};
	int r;

	r = collect_sched(&ks);
	STRV_FOREACH(d, disks)
		if (r >= 0)
			r = collect_disk(&ks, *d);
	if (r < 0) {
		knobs_done(&ks);
		return log_error_errno(r, "out of memory");
	}
	*ret = ks;
	return 0;
}

/* The value now, as the state file keeps it: the number, or the name of
 * the scheduler in use. */
static int read_value(const char *path, bool is_queue, char **ret)
{
	_cleanup_free_ char *line = NULL, *cur = NULL;
	_cleanup_strv_free_ char **avail = NULL;
	int r;

	r = read_one_line(path, &line);
	if (r < 0)
		return r;
	strstrip(line);
	if (!is_queue) {
		*ret = TAKE_PTR(line);
		return 0;
	}
	r = blockq_parse_scheduler(line, &cur, &avail);
	if (r < 0)
		return r;
	if (!cur)
		return -EBADMSG;
	*ret = TAKE_PTR(cur);
	return 0;
}

static const char *errno_hint(int r)
{
	if (r == -EPERM)
		return " (kernel lockdown forbids it? see /sys/kernel/security/lockdown)";
	if (r == -EACCES)
		return geteuid() == 0 ? " (read-only on this kernel)" : " (needs root)";
	return "";
}

static int do_show(const Knobs *ks, TuneState *st)
{
	int failed = ks->failed;

	printf("%-26s %-14s %-14s %-14s %s\n", "KNOB", "NOW", "APPLY", "SAVED", "PATH");
	for (size_t i = 0; i < ks->n; i++) {
		_cleanup_free_ char *now = NULL;
		TuneEntry *e = tune_state_find(st, ks->k[i].path);
		int r = read_value(ks->k[i].path, ks->k[i].is_queue, &now);

		if (r < 0) {
			log_error_errno(r, "%s: reading %s: %s", ks->k[i].label, ks->k[i].path, strerror(-r));
			failed++;
		}
		printf("%-26s %-14s %-14s %-14s %s\n", ks->k[i].label, now ? now : "?", ks->k[i].want,
		       e ? e->original : "-", ks->k[i].path);
	}
	/* Saved knobs not asked about now (a --disk left out) still count. */
	for (size_t i = 0; i < st->n; i++) {
		bool listed = false;

		for (size_t j = 0; j < ks->n; j++)
			listed = listed || streq(ks->k[j].path, st->entries[i].path);
		if (!listed)
			printf("%-26s %-14s %-14s %-14s %s\n", "(saved)", "", st->entries[i].applied,
			       st->entries[i].original, st->entries[i].path);
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* Record the originals of the knobs not yet saved that apply will change,
 * their paths in *added; returns how many knobs failed to read. */
static int record_originals(const Knobs *ks, TuneState *st, char ***added)
{
	int failed = 0;

	for (size_t i = 0; i < ks->n; i++) {
		_cleanup_free_ char *now = NULL;
		int r;

		if (tune_state_find(st, ks->k[i].path))
			continue;
		r = read_value(ks->k[i].path, ks->k[i].is_queue, &now);
		if (r < 0) {
			log_error_errno(r, "%s: reading %s: %s; not changed", ks->k[i].label, ks->k[i].path,
					strerror(-r));
			failed++;
			continue;
		}
		if (streq(now, ks->k[i].want))
			continue;
		if (tune_state_add(st, ks->k[i].path, now, ks->k[i].want) < 0 ||
		    strv_extend(added, ks->k[i].path) < 0)
			return -ENOMEM;
	}
	return failed;
}

static int write_knob(const char *path, const char *value)
{
	return write_string_file(path, value);
}

/* Write one knob; a knob that was saved just now and refused goes out of
 * the state again, since it kept its value (lockdown EPERM and the like). */
static int apply_one(const Knob *k, TuneState *st, char **added, bool *dropped)
{
	TuneEntry *e = tune_state_find(st, k->path);
	int r;

	if (!e)
		return 0; /* already at the value, or unreadable */
	r = write_knob(k->path, k->want);
	if (r < 0) {
		log_error_errno(r, "%s: writing %s to %s: %s%s", k->label, k->want, k->path, strerror(-r),
				errno_hint(r));
		if (strv_contains(added, k->path)) {
			tune_state_remove(st, k->path);
			*dropped = true;
		}
		return r;
	}
	printf("%s: %s -> %s\n", k->label, e->original, k->want);
	return 0;
}

static int do_apply(const Knobs *ks, TuneState *st, const char *state_path)
{
	_cleanup_strv_free_ char **added = NULL;
	bool dropped = false;
	int failed, r;

	failed = record_originals(ks, st, &added);
	if (failed < 0) {
		log_error("out of memory");
		return EXIT_FAILED;
	}
	/* Originals on disk before the first write, so a crash loses none. */
	if (added) {
		r = tune_state_save(state_path, st);
		if (r < 0) {
			log_error_errno(r, "writing state file %s: %s; nothing changed", state_path, strerror(-r));
			return EXIT_FAILED;
		}
	}
	for (size_t i = 0; i < ks->n; i++)
		if (apply_one(&ks->k[i], st, added, &dropped) < 0)
			failed++;
	if (dropped) {
		r = st->n > 0 ? tune_state_save(state_path, st) : (unlink(state_path) < 0 ? negative_errno() : 0);
		if (r < 0) {
			log_error_errno(r, "updating state file %s: %s", state_path, strerror(-r));
			failed++;
		}
	}
	return failed + ks->failed ? EXIT_FAILED : EXIT_OK;
}

static int do_revert(TuneState *st, const char *state_path)
{
	int failed = 0, r;

	for (size_t i = 0; i < st->n;) {
		TuneEntry *e = &st->entries[i];

		r = write_knob(e->path, e->original);
		if (r < 0) {
			log_error_errno(r, "writing %s back to %s: %s%s; kept in %s", e->original, e->path,
					strerror(-r), errno_hint(r), state_path);
			failed++;
			i++;
			continue;
		}
		printf("%s: restored %s\n", e->path, e->original);
		tune_state_remove(st, e->path);
	}
	if (st->n == 0)
		r = unlink(state_path) < 0 && errno != ENOENT ? negative_errno() : 0;
	else
		r = tune_state_save(state_path, st);
	if (r < 0) {
		log_error_errno(r, "updating state file %s: %s", state_path, strerror(-r));
		failed++;
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* The default state directory may not exist yet on a fresh host. */
static int ensure_state_dir(const char *state_path)
{
	_cleanup_free_ char *dir = strdup(state_path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static int run(const char *verb, const char *state_path, char **disks)
{
	TuneState st = {};
	Knobs ks = {};
	int r;

	r = tune_state_load(state_path, &st);
	if (r < 0) {
		log_error_errno(r, "reading state file %s: %s", state_path,
				r == -EBADMSG ? "not a kvmnet tune state (version 1)" : strerror(-r));
		return EXIT_FAILED;
	}
	if (streq(verb, "revert"))
		r = do_revert(&st, state_path);
	else if (collect(disks, &ks) < 0)
		r = EXIT_FAILED;
	else if (streq(verb, "show"))
		r = do_show(&ks, &st);
	else if (ensure_state_dir(state_path) < 0) {
		log_error("%s: cannot create its directory", state_path);
		r = EXIT_FAILED;
	} else
		r = do_apply(&ks, &st, state_path);
	knobs_done(&ks);
	tune_state_done(&st);
	return r;
}

int cmd_tune(int argc, char **argv)
{
	static const struct option options[] = {
		{ "state", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_strv_free_ char **disks = NULL;
	const char *state_path = DEFAULT_STATE_DIR "/tune-state.json", *verb;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "s:d:h", options, NULL)) >= 0)
		switch (c) {
		case 's':
			if (isempty(optarg))
				return cli_usage_error("tune", "--state: expected a file name");
			state_path = optarg;
			break;
		case 'd':
			if (isempty(optarg) || strchr(optarg, '/') || streq(optarg, ".") || streq(optarg, ".."))
				return cli_usage_error("tune", "--disk '%s': expected a name under /sys/block, like vda",
						       optarg);
			if (strv_extend(&disks, optarg) < 0) {
				log_error("out of memory");
				return EXIT_FAILED;
			}
			break;
		case 'h':
			help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("tune", "unknown option");
		}
	if (argc - optind != 1)
		return cli_usage_error("tune", "expected one of show, apply, revert");
	verb = argv[optind];
	if (!streq(verb, "show") && !streq(verb, "apply") && !streq(verb, "revert"))
		return cli_usage_error("tune", "unknown verb '%s': expected show, apply or revert", verb);
	if (streq(verb, "revert") && disks)
		return cli_usage_error("tune", "revert takes no --disk: it restores everything saved");
	return run(verb, state_path, disks);
}
