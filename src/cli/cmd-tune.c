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

#include "act/tune-file.h"
#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "commands.h"
#include "build-config.h"
#include "host/blockq.h"
#include "host/cgroup.h"
#include "host/knob-path.h"
#include "host/sched.h"
#include "host/tune-knob.h"

typedef struct Knobs {
	TuneKnobs ks;
	int failed; /* knobs that could not even be listed */
} Knobs;

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl tune show|apply|revert [--state FILE] [--disk DEV]... [--no-cgroups]\n"
		"       kvmnetctl tune iommu [--apply]\n"
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
		"           and the running VMs' cgroup memory and IO limits lifted\n"
		"           (v2: memory.high, memory.max -> max, io.max lines -> max;\n"
		"           v1: memory.memsw.limit_in_bytes, memory.limit_in_bytes -> -1,\n"
		"           blkio.throttle.*_device rules removed; VMs from\n"
		"           /run/libvirt/qemu/NAME.pid, cgroups from /proc/PID/cgroup)\n"
		"  revert   write every saved original back, newest first, and forget it\n"
		"           (only to a file kvmnet writes; any other saved path is refused)\n"
		"  iommu    print the kernel command line change the IOMMU needs\n"
		"           (intel_iommu=on on Intel, iommu=pt; amd_iommu=off removed\n"
		"           on AMD) from /proc/cpuinfo and /proc/cmdline; with --apply\n"
		"           put it in /etc/default/grub's GRUB_CMDLINE_LINUX (first\n"
		"           original kept as /etc/default/grub.kvmnet.bak) and name the\n"
		"           command that regenerates the boot menu\n"
		"\n"
		"Options:\n"
		"  -s, --state FILE  state file (default " DEFAULT_STATE_DIR "/tune-state.json)\n"
		"  -d, --disk DEV    a block device under /sys/block (vda, nvme0n1); repeatable\n"
		"  -G, --no-cgroups  leave the VMs' cgroups out\n"
		"  -a, --apply       iommu: edit /etc/default/grub\n"
		"  -h, --help        show this help\n");
}

static int collect_sched(Knobs *ks)
{
	SchedFlavor f;
	int r;

	r = tune_knobs_add_sched(&ks->ks, &f);
	printf("scheduler knobs: %s\n", sched_flavor_to_string(f));
	if (r == -ENOENT) {
		log_warning("no scheduler knob found (/proc/sys/kernel/sched_min_granularity_ns, "
			    "/sys/kernel/debug/sched/): on kernels >= 5.13 mount debugfs: "
			    "mount -t debugfs none /sys/kernel/debug");
		ks->failed++;
		return 0;
	}
	return r;
}

static int collect_disk(Knobs *ks, const char *dev)
{
	int r = tune_knobs_add_disk(&ks->ks, dev);

	if (r == -EOPNOTSUPP) {
		log_error("disk %s: /sys/block/%s/queue/scheduler offers neither mq-deadline nor deadline "
			  "(modprobe mq-deadline)", dev, dev);
		ks->failed++;
		return 0;
	}
	if (r < 0 && r != -ENOMEM) {
		log_error_errno(r, "disk %s: reading /sys/block/%s/queue/scheduler: %s", dev, dev, strerror(-r));
		ks->failed++;
		return 0;
	}
	return r;
}

/* Every running VM's cgroups (libvirt's /run/libvirt/qemu/NAME.pid). */
static int collect_cgroups(Knobs *ks)
{
	_cleanup_strv_free_ char **vms = NULL;
	int r;

	r = qemu_running_domains(&vms);
	if (r < 0) {
		log_error_errno(r, "listing /run/libvirt/qemu: %s", strerror(-r));
		ks->failed++;
		return r == -ENOMEM ? r : 0;
	}
	printf("VM cgroups: %zu running VM(s)\n", strv_length(vms));
	STRV_FOREACH(vm, vms) {
		CgroupPaths p;
		pid_t pid;

		r = qemu_pid_of_domain(*vm, &pid);
		if (r >= 0)
			r = cgroup_read_pid(pid, &p);
		if (r >= 0) {
			r = cgroup_add_lift_knobs(&ks->ks, *vm, &p);
			cgroup_paths_done(&p);
		}
		if (r == -ENOMEM)
			return r;
		/* Not a failure: a VM without a cgroup of its own has no
		 * limits of its own to lift. */
		if (r == -ENOENT)
			printf("VM %s: no cgroup of its own (QEMU outside libvirt's machine cgroups, or stopped); "
			       "left alone\n", *vm);
		else if (r < 0) {
			/* Unreadable is not "nothing to lift": exit 1. */
			log_error_errno(r, "VM %s: reading /run/libvirt/qemu/%s.pid, /proc/PID/cgroup or its cgroup "
					"limits: %s; the limits not read are left alone", *vm, *vm, strerror(-r));
			ks->failed++;
		}
	}
	return 0;
}

static int collect(char **disks, bool cgroups, Knobs *ret)
{
	Knobs ks = {};
	int r;

	r = collect_sched(&ks);
	STRV_FOREACH(d, disks)
		if (r >= 0)
			r = collect_disk(&ks, *d);
	if (r >= 0 && cgroups)
		r = collect_cgroups(&ks);
	if (r < 0) {
		tune_knobs_done(&ks.ks);
		return log_error_errno(r, "out of memory");
	}
	*ret = ks;
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

static int do_show(const Knobs *ks, TuneStore *st)
{
	_cleanup_strv_free_ char **saved = NULL;
	int failed = ks->failed;

	if (st->list(st->data, &saved) < 0) {
		log_error("out of memory");
		return EXIT_FAILED;
	}
	printf("%-26s %-14s %-14s %-14s %s\n", "KNOB", "NOW", "APPLY", "SAVED", "PATH");
	for (size_t i = 0; i < ks->ks.n; i++) {
		const TuneKnob *k = &ks->ks.k[i];
		_cleanup_free_ char *now = NULL;
		const char *orig = st->get(st->data, k->key, NULL);
		int r = tune_knob_read(k, &now);

		if (r < 0) {
			log_error_errno(r, "%s: reading %s: %s", k->label, k->path, strerror(-r));
			failed++;
		}
		printf("%-26s %-14s %-14s %-14s %s\n", k->label, now ? now : "?", k->want, orig ? orig : "-", k->key);
	}
	/* Saved knobs not asked about now (a --disk left out) still count. */
	STRV_FOREACH(key, saved) {
		const char *why = NULL, *applied = NULL, *orig = st->get(st->data, *key, &applied);

		if (tune_knobs_find(&ks->ks, *key))
			continue;
		if (knob_path_check(*key, &why) < 0 && why) {
			log_error("%s: entry '%s': %s; revert refuses it", st->name, *key, why);
			printf("%-26s %-14s %-14s %-14s %s\n", "(refused)", "", "", "", *key);
			failed++;
		} else
			printf("%-26s %-14s %-14s %-14s %s\n", "(saved)", "", applied ? applied : "", orig, *key);
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* The knobs apply could not read, as they were found before any write. */
static void print_unreadable(const Knobs *ks, const TuneReport *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const TuneOutcome *o = &rep->outcomes[i];
		const TuneKnob *k = &ks->ks.k[i];

		if (o->result == TUNE_READ_FAILED)
			log_error_errno(o->error, "%s: reading %s: %s; not changed", k->label, k->path,
					strerror(-o->error));
	}
}

static void print_written(const Knobs *ks, const TuneReport *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const TuneOutcome *o = &rep->outcomes[i];
		const TuneKnob *k = &ks->ks.k[i];

		/* A saved knob at its value is kvmnet's own change, shown again. */
		if (o->result == TUNE_CHANGED || (o->result == TUNE_ALREADY && o->original))
			printf("%s: %s -> %s\n", k->label, o->original, k->want);
		else if (o->result == TUNE_WRITE_FAILED)
			log_error_errno(o->error, "%s: writing %s to %s: %s%s", k->label, k->want, k->path,
					strerror(-o->error), errno_hint(o->error));
	}
}

static int do_apply(const Knobs *ks, TuneStore *st)
{
	TuneReport rep;
	size_t failed;
	int r;

	r = tune_apply(&ks->ks, st, false, &rep);
	print_unreadable(ks, &rep);
	if (r < 0) {
		/* Nothing was written. */
		if (rep.save_error)
			log_error_errno(r, "writing state file %s: %s; nothing changed", st->name, strerror(-r));
		else
			log_error("out of memory");
		tune_report_done(&rep);
		return EXIT_FAILED;
	}
	print_written(ks, &rep);
	failed = tune_report_failures(&rep);
	if (rep.save_error) {
		log_error_errno(rep.save_error, "updating state file %s: %s", st->name, strerror(-rep.save_error));
		failed++;
	}
	tune_report_done(&rep);
	return failed + ks->failed ? EXIT_FAILED : EXIT_OK;
}

static int do_revert(TuneStore *st)
{
	TuneReport rep;
	size_t failed;
	int r;

	/* A saved original whose file is gone is a failure: kept. */
	r = tune_revert(st, &(TuneRevertOptions){}, &rep);
	for (size_t i = 0; i < rep.n; i++) {
		const TuneOutcome *o = &rep.outcomes[i];

		if (o->result == TUNE_RESTORED)
			printf("%s: restored %s\n", o->key, o->original);
		else if (o->result == TUNE_REFUSED)
			log_error("%s: entry '%s': %s; refused, nothing written, kept in the file", st->name, o->key,
				  o->why);
		else if (o->result == TUNE_WRITE_FAILED || o->result == TUNE_KEY_FAILED)
			log_error_errno(o->error, "writing %s back to %s: %s%s; kept in %s",
					o->original ? o->original : "?", o->key, strerror(-o->error),
					errno_hint(o->error), st->name);
	}
	failed = tune_report_failures(&rep);
	if (rep.save_error) {
		log_error_errno(r, "updating state file %s: %s", st->name, strerror(-r));
		failed++;
	} else if (r < 0) {
		log_error("out of memory");
		failed++;
	}
	tune_report_done(&rep);
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

static int run(const char *verb, const char *state_path, char **disks, bool cgroups)
{
	_cleanup_tune_file_free_ TuneFile *file = NULL;
	TuneStore st;
	Knobs ks = {};
	int r;

	r = tune_file_open(state_path, &file);
	if (r < 0) {
		log_error_errno(r, "reading state file %s: %s; nothing changed", state_path,
				r == -EBADMSG	      ? "not a kvmnet tune state (version 1)"
				: r == -EPROTONOSUPPORT ? "written by a newer kvmnetctl (version over 1)"
							: file_error_string(r));
		return EXIT_FAILED;
	}
	tune_file_store(file, &st);
	if (streq(verb, "revert"))
		r = do_revert(&st);
	else if (collect(disks, cgroups, &ks) < 0)
		r = EXIT_FAILED;
	else if (streq(verb, "show"))
		r = do_show(&ks, &st);
	else if (ensure_state_dir(state_path) < 0) {
		log_error("%s: cannot create its directory", state_path);
		r = EXIT_FAILED;
	} else
		r = do_apply(&ks, &st);
	tune_knobs_done(&ks.ks);
	return r;
}

int cmd_tune(int argc, char **argv)
{
	static const struct option options[] = {
		{ "state", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'd' },
		{ "no-cgroups", no_argument, NULL, 'G' },
		{ "apply", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_strv_free_ char **disks = NULL;
	const char *state_path = DEFAULT_STATE_DIR "/tune-state.json", *verb;
	bool cgroups = true, apply = false;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "s:d:Gah", options, NULL)) >= 0)
		switch (c) {
		case 'a':
			apply = true;
			break;
		case 'G':
			cgroups = false;
			break;
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
		return cli_usage_error("tune", "expected one of show, apply, revert, iommu");
	verb = argv[optind];
	if (streq(verb, "iommu")) {
		if (disks || !cgroups)
			return cli_usage_error("tune", "iommu takes only --apply");
		return tune_iommu(apply);
	}
	if (apply)
		return cli_usage_error("tune", "--apply is for iommu; use the verb apply");
	if (!streq(verb, "show") && !streq(verb, "apply") && !streq(verb, "revert"))
		return cli_usage_error("tune", "unknown verb '%s': expected show, apply, revert or iommu", verb);
	if (streq(verb, "revert") && disks)
		return cli_usage_error("tune", "revert takes no --disk: it restores everything saved");
	return run(verb, state_path, disks, cgroups);
}
