/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/tune-run.h"
#include "host/blockdev.h"
#include "host/cgroup.h"
#include "host/tune-knob.h"
#include "virt/domains.h"
#include "virt/metadata.h"

#define KEY_PREFIX "tune:"

struct TuneRun {
	Daemon *d;
	char **warned; /* keys and topics already logged as failing */
};

int tune_run_new(Daemon *d, TuneRun **ret)
{
	TuneRun *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->d = d;
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

	if (t->d->config->tune.io_scheduler)
		r = add_disks_of(t, ks, def);
	if (r >= 0 && t->d->config->tune.cgroups)
		r = add_cgroups_of(t, ks, def);
	return r;
}

static int add_vms(TuneRun *t, TuneKnobs *ks)
{
	virConnectPtr conn = t->d->watch ? watch_conn(t->d->watch) : NULL;
	_cleanup_free_ char *err = NULL;
	DomainList *doms = NULL;
	int r = 0;

	if (!conn)
		return 0; /* the next reconcile, once connected */
	daemon_busy(t->d, "tune: asking libvirt for the running domains' disks and cgroups");
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

static char *journal_key(const TuneKnob *k)
{
	char *key = NULL;

	return asprintf(&key, KEY_PREFIX "%s", k->key) < 0 ? NULL : key;
}

/* Originals of the knobs not at their value yet into the journal, and the
 * journal to disk, before any write.  ret_todo[i]: knob i is to be written. */
static int record_originals(TuneRun *t, const TuneKnobs *ks, bool *todo, char ***added)
{
	Journal *j = t->d->journal;
	bool any = false;

	for (size_t i = 0; i < ks->n; i++) {
		_cleanup_free_ char *now = NULL, *key = journal_key(&ks->k[i]);
		int r;

		if (!key)
			return -ENOMEM;
		r = tune_knob_read(&ks->k[i], &now);
		if (r < 0) {
			if (first_time(t, key))
				log_warning_errno(r, "tune: %s: reading %s: %m; left alone", ks->k[i].label, ks->k[i].path);
			continue;
		}
		if (tune_knob_satisfied(&ks->k[i], now))
			continue;
		todo[i] = true;
		if (t->d->dry_run || journal_get_original(j, key))
			continue;
		if (journal_record_original(j, key, now) < 0 || strv_extend(added, key) < 0)
			return -ENOMEM;
		any = true;
	}
	return any ? journal_save(j, t->d->config->state_dir) : 0;
}

static void write_one(TuneRun *t, const TuneKnob *k, char **added)
{
	_cleanup_free_ char *key = journal_key(k);
	const char *orig;
	int r;

	if (!key)
		return;
	orig = journal_get_original(t->d->journal, key);
	if (t->d->dry_run) {
		char topic[600];

		snprintf(topic, sizeof(topic), "dry %s", key);
		if (first_time(t, topic))
			log_info("Would tune %s: %s (%s)", k->label, k->want, k->key);
		return;
	}
	r = tune_knob_write(k, k->want);
	if (r < 0) {
		if (first_time(t, key))
			log_warning_errno(r, "tune: %s: writing %s to %s: %m%s; left alone", k->label, k->want, k->path,
					  r == -EPERM ? " (kernel lockdown?)" : "");
		/* It kept its value: the original saved just now is moot. */
		if (strv_contains(added, key))
			journal_forget_original(t->d->journal, key);
		return;
	}
	log_info("Tune %s: %s -> %s (%s)", k->label, orig ? orig : "?", k->want, k->key);
}

static int apply_knobs(TuneRun *t, TuneKnobs ks, int r)
{
	_cleanup_strv_free_ char **added = NULL;
	_cleanup_free_ bool *todo = NULL;

	todo = r >= 0 ? calloc(ks.n + 1, sizeof(bool)) : NULL;
	if (todo)
		r = record_originals(t, &ks, todo, &added);
	else if (r >= 0)
		r = -ENOMEM;
	if (r < 0) {
		tune_knobs_done(&ks);
		return log_error_errno(r, "tune: saving the originals in %s/%s: %m; nothing tuned",
				       t->d->config->state_dir, JOURNAL_FILE);
	}
	for (size_t i = 0; i < ks.n; i++)
		if (todo[i])
			write_one(t, &ks.k[i], added);
	/* Only originals of knobs refused just now went out of the journal:
	 * on disk they are harmless (the value written back is the value). */
	if (added && !t->d->dry_run) {
		r = journal_save(t->d->journal, t->d->config->state_dir);
		if (r < 0)
			log_warning_errno(r, "tune: saving the journal in %s: %m; retrying at the next save",
					  t->d->config->state_dir);
	}
	tune_knobs_done(&ks);
	return 0;
}

static bool tune_wanted(const ConfigTune *c)
{
	return c->sched || c->io_scheduler || c->cgroups;
}

int tune_run_apply(TuneRun *t)
{
	const ConfigTune *c = &t->d->config->tune;
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

	if (!tune_wanted(&t->d->config->tune))
		return 0;
	if (t->d->config->tune.sched)
		r = add_sched(t, &ks);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = add_vm(t, &ks, defs[i]);
	return apply_knobs(t, ks, r);
}

/* One original back.  0: written or its file is gone; <0: kept. */
static int restore_one(const char *state_dir, const char *key, const char *value)
{
	const char *why = NULL;
	TuneKnob k;
	int r;

	r = tune_knob_from_key(key + strlen(KEY_PREFIX), &k, &why);
	if (r == -ENOENT) {
		log_info("tune: %s is gone; its original %s forgotten", key + strlen(KEY_PREFIX), value);
		return 0;
	}
	if (r < 0 && why)
		return log_error_errno(r, "tune: %s/%s: entry '%s': %s; refused, nothing written, kept in the journal",
				       state_dir, JOURNAL_FILE, key, why);
	if (r < 0)
		return log_error_errno(r, "tune: %s/%s: entry '%s': %m; kept in the journal", state_dir, JOURNAL_FILE,
				       key);
	r = tune_knob_write(&k, value);
	if (r == -ENOENT)
		log_info("tune: %s is gone; its original %s forgotten", k.key, value);
	else if (r < 0)
		log_error_errno(r, "tune: writing %s back to %s: %m; kept in the journal", value, k.key);
	else
		log_info("tune: %s restored to %s", k.key, value);
	tune_knob_done(&k);
	return r == -ENOENT ? 0 : r;
}

int tune_run_revert(TuneRun *t)
{
	Journal *j = t->d->journal;
	int ret = 0, r;

	for (size_t i = j->n_originals; i-- > 0;) {
		_cleanup_free_ char *key = NULL, *value = NULL;

		if (!strneq(j->originals[i].key, KEY_PREFIX, strlen(KEY_PREFIX)))
			continue;
		key = strdup(j->originals[i].key);
		value = strdup(j->originals[i].value);
		if (!key || !value)
			return -ENOMEM;
		if (restore_one(t->d->config->state_dir, key, value) < 0)
			ret = -EIO;
		else
			journal_forget_original(j, key);
	}
	r = journal_save(j, t->d->config->state_dir);
	if (r < 0)
		return log_error_errno(r, "Saving the journal in %s: %m", t->d->config->state_dir);
	return ret;
}
