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
#include "host/cgroup.h"
#include "host/knob-path.h"
#include "host/sched.h"
#include "host/tune-knob.h"
#include "tune-state.h"

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

static int do_show(const Knobs *ks, TuneState *st, const char *state_path)
{
	int failed = ks->failed;

	printf("%-26s %-14s %-14s %-14s %s\n", "KNOB", "NOW", "APPLY", "SAVED", "PATH");
	for (size_t i = 0; i < ks->ks.n; i++) {
		const TuneKnob *k = &ks->ks.k[i];
		_cleanup_free_ char *now = NULL;
		TuneEntry *e = tune_state_find(st, k->key);
		int r = tune_knob_read(k, &now);

		if (r < 0) {
			log_error_errno(r, "%s: reading %s: %s", k->label, k->path, strerror(-r));
			failed++;
		}
		printf("%-26s %-14s %-14s %-14s %s\n", k->label, now ? now : "?", k->want, e ? e->original : "-",
		       k->key);
	}
	/* Saved knobs not asked about now (a --disk left out) still count. */
	for (size_t i = 0; i < st->n; i++) {
		const char *why = NULL;
		bool listed = false;

		listed = tune_knobs_find(&ks->ks, st->entries[i].path) != NULL;
		if (!listed && knob_path_check(st->entries[i].path, &why) < 0 && why) {
			log_error("%s: entry '%s': %s; revert refuses it", state_path, st->entries[i].path, why);
			printf("%-26s %-14s %-14s %-14s %s\n", "(refused)", "", "", "", st->entries[i].path);
			failed++;
		} else if (!listed)
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

	for (size_t i = 0; i < ks->ks.n; i++) {
		const TuneKnob *k = &ks->ks.k[i];
		_cleanup_free_ char *now = NULL;
		int r;

		if (tune_state_find(st, k->key))
			continue;
		r = tune_knob_read(k, &now);
		if (r < 0) {
			log_error_errno(r, "%s: reading %s: %s; not changed", k->label, k->path, strerror(-r));
			failed++;
			continue;
		}
		if (tune_knob_satisfied(k, now))
			continue;
		if (tune_state_add(st, k->key, now, k->want) < 0 || strv_extend(added, k->key) < 0)
			return -ENOMEM;
	}
	return failed;
}

/* Write one knob; a knob that was saved just now and refused goes out of
 * the state again, since it kept its value (lockdown EPERM and the like). */
static int apply_one(const TuneKnob *k, TuneState *st, char **added, bool *dropped)
{
	TuneEntry *e = tune_state_find(st, k->key);
	int r;

	if (!e)
		return 0; /* already at the value, or unreadable */
	r = tune_knob_write(k, k->want);
	if (r < 0) {
		log_error_errno(r, "%s: writing %s to %s: %s%s", k->label, k->want, k->path, strerror(-r),
				errno_hint(r));
		if (strv_contains(added, k->key)) {
			tune_state_remove(st, k->key);
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
	for (size_t i = 0; i < ks->ks.n; i++)
		if (apply_one(&ks->ks.k[i], st, added, &dropped) < 0)
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

	/* Newest first, the reverse of apply: cgroup v1 takes
	 * memory.memsw.limit_in_bytes only at or above
	 * memory.limit_in_bytes (EINVAL otherwise), so apply lifts memsw
	 * first and revert must bring the memory limit down first. */
	for (size_t i = st->n; i-- > 0;) {
		TuneEntry *e = &st->entries[i];
		const char *why = NULL;
		TuneKnob k;

		r = tune_knob_from_key(e->path, &k, &why);
		if (r >= 0) {
			r = tune_knob_write(&k, e->original);
			tune_knob_done(&k);
		} else if (why) {
			log_error("%s: entry '%s': %s; refused, nothing written, kept in the file", state_path, e->path,
				  why);
			failed++;
			i++;
			continue;
		}
		if (r < 0) {
			log_error_errno(r, "writing %s back to %s: %s%s; kept in %s", e->original, e->path,
					strerror(-r), errno_hint(r), state_path);
			failed++;
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

static int run(const char *verb, const char *state_path, char **disks, bool cgroups)
{
	TuneState st = {};
	Knobs ks = {};
	int r;

	r = tune_state_load(state_path, &st);
	if (r < 0) {
		log_error_errno(r, "reading state file %s: %s; nothing changed", state_path,
				r == -EBADMSG	      ? "not a kvmnet tune state (version 1)"
				: r == -EPROTONOSUPPORT ? "written by a newer kvmnetctl (version over 1)"
							: file_error_string(r));
		return EXIT_FAILED;
	}
	if (streq(verb, "revert"))
		r = do_revert(&st, state_path);
	else if (collect(disks, cgroups, &ks) < 0)
		r = EXIT_FAILED;
	else if (streq(verb, "show"))
		r = do_show(&ks, &st, state_path);
	else if (ensure_state_dir(state_path) < 0) {
		log_error("%s: cannot create its directory", state_path);
		r = EXIT_FAILED;
	} else
		r = do_apply(&ks, &st, state_path);
	tune_knobs_done(&ks.ks);
	tune_state_done(&st);
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
