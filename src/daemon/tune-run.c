/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>

#include "act/tune.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/tune-journal.h"
#include "daemon/tune-run.h"
#include "host/blockdev.h"
#include "host/cgroup.h"
#include "host/tune-knob.h"
#include "virt/domains.h"
#include "virt/metadata.h"

struct TuneRun {
	const DaemonContext *ctx;
	char **warned; /* keys and topics already logged as failing */
};

int tune_run_new(const DaemonContext *ctx, TuneRun **ret)
{
	TuneRun *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->ctx = ctx;
	*ret = t;
	return 0;
}

void tune_run_free(TuneRun *t)
{
	if (!t)
		return;
	strv_free(t->warned);
	free(t);
}

/* Whether this is the first time topic goes wrong (then it is logged). */
static bool first_time(TuneRun *t, const char *topic)
{
	if (strv_contains(t->warned, topic))
		return false;
	(void)strv_extend(&t->warned, topic);
	return true;
}

static int add_sched(TuneRun *t, TuneKnobs *ks)
{
	SchedFlavor f;
	int r = tune_knobs_add_sched(ks, &f);

	if (r == -ENOENT && first_time(t, "sched"))
		log_warning("tune: no scheduler knob found (/proc/sys/kernel/sched_min_granularity_ns, "
			    "/sys/kernel/debug/sched/); on kernels >= 5.13 mount debugfs");
	return r == -ENOMEM ? r : 0;
}

static int add_disks_of(TuneRun *t, TuneKnobs *ks, const DomainDef *def)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const DomainDisk *dk = &def->disks[i];
		_cleanup_strv_free_ char **disks = NULL;
		char topic[512];
		int r;

		if (!dk->source || dk->source[0] != '/' || (dk->device && !streq(dk->device, "disk")))
			continue; /* network disks, cdroms: no local queue of theirs */
		r = blockdev_disks_of(dk->source, &disks);
		snprintf(topic, sizeof(topic), "disk %s", dk->source);
		if (r < 0) {
			if (r == -ENOMEM)
				return r;
			if (first_time(t, topic))
				log_info("tune: VM %s disk %s (%s): no local block device: %s", def->name,
					 dk->target ? dk->target : "?", dk->source, strerror(-r));
			continue;
		}
		STRV_FOREACH(name, disks) {
			char path[300];

			snprintf(path, sizeof(path), "/sys/block/%s/queue/scheduler", *name);
			if (tune_knobs_find(ks, path))
				continue;
			r = tune_knobs_add_disk(ks, *name);
			if (r == -ENOMEM)
				return r;
			snprintf(topic, sizeof(topic), "queue %s", *name);
			if (r < 0 && first_time(t, topic))
				log_warning("tune: disk %s of VM %s: %s", *name, def->name,
					    r == -EOPNOTSUPP ? "offers neither mq-deadline nor deadline (modprobe mq-deadline)"
							     : strerror(-r));
		}
	}
	return 0;
}

static int add_cgroups_of(TuneRun *t, TuneKnobs *ks, const DomainDef *def)
{
	CgroupPaths p;
	char topic[300];
	pid_t pid;
	int r;

	r = qemu_pid_of_domain(def->name, &pid);
	if (r >= 0)
		r = cgroup_read_pid(pid, &p);
	if (r >= 0) {
		r = cgroup_add_lift_knobs(ks, def->name, &p);
		cgroup_paths_done(&p);
	}
	snprintf(topic, sizeof(topic), "cgroup %s", def->name);
	if (r == -ENOENT && first_time(t, topic))
		log_info("tune: VM %s: no cgroup of its own (/run/libvirt/qemu/%s.pid, /proc/PID/cgroup); its limits "
			 "are left alone", def->name, def->name);
	else if (r < 0 && r != -ENOMEM && first_time(t, topic))
		log_warning_errno(r, "tune: VM %s: reading its pid, /proc/PID/cgroup or its cgroup limits: %m; the "
				  "limits not read are left alone", def->name);
	return r == -ENOMEM ? r : 0;
}

static int add_vm(TuneRun *t, TuneKnobs *ks, const DomainDef *def)
{
	int r = 0;

	if (t->ctx->config->tune.io_scheduler)
		r = add_disks_of(t, ks, def);
	if (r >= 0 && t->ctx->config->tune.cgroups)
		r = add_cgroups_of(t, ks, def);
	return r;
}

static int add_vms(TuneRun *t, TuneKnobs *ks)
{
	virConnectPtr conn = t->ctx->watch ? watch_conn(t->ctx->watch) : NULL;
	_cleanup_free_ char *err = NULL;
	DomainList *doms = NULL;
	int r = 0;

	if (!conn)
		return 0; /* the next reconcile, once connected */
	daemon_ctx_busy(t->ctx, "tune: asking libvirt for the running domains' disks and cgroups");
	if (virt_domains_running(conn, &doms, &err) < 0) {
		log_warning("tune: listing running domains: %s", err ? err : "failed");
		return 0;
	}
	for (size_t i = 0; r >= 0 && i < doms->n; i++) {
		_cleanup_free_ char *bad = NULL;
		bool managed = true;
		int q = virt_domain_metadata(conn, doms->defs[i]->uuid, &managed, &bad);

		/* Unknown (unreadable or malformed metadata): left alone, and
		 * said once; reconcile.c names the value. */
		if (q < 0 && first_time(t, doms->defs[i]->uuid))
			log_warning("tune: VM %s: its kvmnet metadata %s; not tuned", doms->defs[i]->name,
				    q == -EBADMSG ? "is neither manage=\"yes\" nor manage=\"no\"" : "cannot be read");
		if (q < 0 || !managed)
			continue; /* opted out: kvmnetd leaves it alone */
		r = add_vm(t, ks, doms->defs[i]);
	}
	domain_list_free(doms);
	return r;
}

/* The knobs that could not be read, as found before any write; each
 * logged once. */
static void log_unreadable(TuneRun *t, const TuneKnobs *ks, const TuneReport *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const TuneOutcome *o = &rep->outcomes[i];
		char topic[PATH_MAX + 64];

		snprintf(topic, sizeof(topic), TUNE_JOURNAL_PREFIX "%s", o->key);
		if (o->result == TUNE_READ_FAILED && first_time(t, topic))
			log_warning_errno(o->error, "tune: %s: reading %s: %m; left alone", ks->k[i].label,
					  ks->k[i].path);
	}
}

static void log_written(TuneRun *t, const TuneKnobs *ks, const TuneReport *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const TuneOutcome *o = &rep->outcomes[i];
		const TuneKnob *k = &ks->k[i];
		char topic[PATH_MAX + 64];

		snprintf(topic, sizeof(topic), "%s" TUNE_JOURNAL_PREFIX "%s", o->result == TUNE_DRY ? "dry " : "",
			 k->key);
		if (o->result == TUNE_DRY && first_time(t, topic))
			log_info("Would tune %s: %s (%s)", k->label, k->want, k->key);
		else if (o->result == TUNE_WRITE_FAILED && first_time(t, topic))
			log_warning_errno(o->error, "tune: %s: writing %s to %s: %m%s; left alone", k->label, k->want,
					  k->path, o->error == -EPERM ? " (kernel lockdown?)" : "");
		else if (o->result == TUNE_CHANGED)
			log_info("Tune %s: %s -> %s (%s)", k->label, o->original ? o->original : "?", k->want, k->key);
	}
}

/* Through act/tune.c, the originals kept in the journal; r: how
 * collecting the knobs went. */
static int apply_knobs(TuneRun *t, TuneKnobs ks, int r)
{
	TuneJournal tj = {};
	TuneReport rep = {};
	TuneStore store;

	if (r >= 0)
		r = tune_journal_init(&tj, t->ctx->journal, t->ctx->config->state_dir);
	if (r >= 0) {
		tune_journal_store(&tj, &store);
		r = tune_apply(&ks, &store, t->ctx->dry_run, &rep);
		log_unreadable(t, &ks, &rep);
	}
	if (r < 0)
		log_error_errno(r, "tune: saving the originals in %s/%s: %m; nothing tuned", t->ctx->config->state_dir,
				JOURNAL_FILE);
	else
		log_written(t, &ks, &rep);
	/* Only originals of knobs refused just now went out of the journal:
	 * on disk they are harmless (the value written back is the value). */
	if (r >= 0 && rep.save_error)
		log_warning_errno(rep.save_error, "tune: saving the journal in %s: %m; retrying at the next save",
				  t->ctx->config->state_dir);
	tune_report_done(&rep);
	tune_journal_done(&tj);
	tune_knobs_done(&ks);
	return r < 0 ? r : 0;
}

static bool tune_wanted(const ConfigTune *c)
{
	return c->sched || c->io_scheduler || c->cgroups;
}

int tune_run_apply(TuneRun *t)
{
	const ConfigTune *c = &t->ctx->config->tune;
	TuneKnobs ks = {};
	int r = 0;

	if (!tune_wanted(c))
		return 0;
	if (c->sched)
		r = add_sched(t, &ks);
	if (r >= 0 && (c->io_scheduler || c->cgroups))
		r = add_vms(t, &ks);
	return apply_knobs(t, ks, r);
}

int tune_run_apply_domains(TuneRun *t, DomainDef *const *defs, size_t n)
{
	TuneKnobs ks = {};
	int r = 0;

	if (!tune_wanted(&t->ctx->config->tune))
		return 0;
	if (t->ctx->config->tune.sched)
		r = add_sched(t, &ks);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = add_vm(t, &ks, defs[i]);
	return apply_knobs(t, ks, r);
}

static void log_reverted(const char *journal, const TuneOutcome *o)
{
	switch (o->result) {
	case TUNE_RESTORED:
		log_info("tune: %s restored to %s", o->key, o->original);
		break;
	case TUNE_GONE:
		log_info("tune: %s is gone; its original %s forgotten", o->key, o->original);
		break;
	case TUNE_REFUSED:
		log_error_errno(o->error, "tune: %s: entry '" TUNE_JOURNAL_PREFIX "%s': %s; refused, nothing written, "
				"kept in the journal", journal, o->key, o->why);
		break;
	case TUNE_KEY_FAILED:
		log_error_errno(o->error, "tune: %s: entry '" TUNE_JOURNAL_PREFIX "%s': %m; kept in the journal",
				journal, o->key);
		break;
	case TUNE_WRITE_FAILED:
		log_error_errno(o->error, "tune: writing %s back to %s: %m; kept in the journal", o->original,
				o->key);
		break;
	default:
		break;
	}
}

int tune_run_revert(TuneRun *t)
{
	static const TuneRevertOptions opts = { .forget_gone = true };
	TuneJournal tj;
	TuneReport rep;
	TuneStore store;
	int r;

	r = tune_journal_init(&tj, t->ctx->journal, t->ctx->config->state_dir);
	if (r < 0)
		return r;
	tune_journal_store(&tj, &store);
	r = tune_revert(&store, &opts, &rep);
	for (size_t i = 0; i < rep.n; i++)
		log_reverted(tj.name, &rep.outcomes[i]);
	if (rep.save_error)
		log_error_errno(r, "Saving the journal in %s: %m", t->ctx->config->state_dir);
	else if (r >= 0 && tune_report_failures(&rep) > 0)
		r = -EIO;
	tune_report_done(&rep);
	tune_journal_done(&tj);
	return r;
}
