/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One turn of the control loop: observe the host and libvirt, let the core
 * decide, carry the actions out in order, remember the mode.  Level
 * triggered: every turn starts from a fresh observation, so a missed
 * event, a restart or a half-done earlier turn all converge the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/apply.h"
#include "daemon/daemon.h"
#include "daemon/log-event.h"
#include "daemon/metrics-collect.h"
#include "daemon/observe.h"
#include "daemon/sd-notify.h"
#include "daemon/status-json.h"
#include "virt/metadata.h"

/* Wall clock, not monotonic: the dwell start is kept in the journal and
 * must mean the same after a restart (a clock step only shortens or
 * lengthens one dwell). */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Attachments the journal lists but libvirt no longer shows: the VM
 * stopped, the detach finished, or the daemon died before attaching. */
static bool prune_attachments(Journal *j, const Observation *o)
{
	bool changed = false;

	for (size_t i = j->n_attached; i > 0; i--) {
		const JournalAttach *a = &j->attached[i - 1];
		bool held = false;

		for (size_t p = 0; p < o->n_pfs && !held; p++)
			if (pci_addr_equal(&o->plan_pfs[p].addr, &a->pf))
				for (size_t k = 0; k < o->plan_pfs[p].n_vfs && !held; k++)
					held = o->pfs[p].vfs[k].index == a->vf && o->pfs[p].vfs[k].use == PLAN_VF_OURS;
		if (!held) {
			log_debug("Journal: VF %u of a PF is no longer attached; forgetting it", a->vf);
			journal_remove_attach(j, &a->pf, a->vf);
			changed = true;
		}
	}
	return changed;
}

/* The summary (M1, N1, spare VFs) and the WAIT lines are logged when they
 * change, not on every turn. */
/* An opted-out VM whose metadata is not a plain yes/no is not an opt-out
 * but an unknown: observe() leaves it alone, and this says why, once per
 * change (observe.c maps every metadata failure to "leave it alone"). */
static void log_metadata(Daemon *d, virConnectPtr conn, const Observation *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	for (size_t i = 0; i < o->in.n_vms; i++) {
		_cleanup_free_ char *xml = NULL;
		bool managed;
		int r;

		if (!o->vms[i].opted_out)
			continue;
		r = virt_domain_metadata(conn, o->vm_uuids[i], &managed, &xml);
		/* The guest's owner wrote it: no control characters in logs. */
		for (char *c = xml; c && *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
				*c = ' ';
		if (r == -EBADMSG)
			fprintf(f, "VM %s: kvmnet metadata %.200s is neither manage=\"yes\" nor manage=\"no\"; "
				"left alone until it is\n", o->vm_names[i], xml ? xml : "?");
		else if (r < 0)
			fprintf(f, "VM %s: kvmnet metadata unreadable (%s); left alone this round\n", o->vm_names[i],
				strerror(-r));
	}
	fclose(f);
	if (buf && *buf && (!d->last_metadata || strcmp(buf, d->last_metadata) != 0)) {
		for (char *l = buf, *nl; (nl = strchr(l, '\n')); l = nl + 1)
			log_warning("%.*s", (int)(nl - l), l);
	}
	free(d->last_metadata);
	d->last_metadata = buf;
}

static void log_waits(Daemon *d, const Observation *o, const Plan *plan)
{
	_cleanup_free_ char *summary = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (plan_summary_format(&o->in, plan, &summary) >= 0)
		fprintf(f, "%s%s\n", d->ctx.dry_run ? "dry run: " : "", summary);
	for (size_t i = 0; i < plan->n_actions; i++) {
		_cleanup_free_ char *line = NULL;

		if (plan->actions[i].type == PLAN_WAIT && plan_action_format(&o->in, plan, &plan->actions[i], &line) >= 0)
			fprintf(f, "%s\n", line);
	}
	fclose(f);
	if (!buf)
		return;
	if (!d->last_waits || strcmp(buf, d->last_waits) != 0) {
		/* The same lines as in buf, each wait with its fields. */
		if (summary)
			log_info("%s%s", d->ctx.dry_run ? "dry run: " : "", summary);
		for (size_t i = 0; i < plan->n_actions; i++) {
			_cleanup_free_ char *line = NULL;

			if (plan->actions[i].type == PLAN_WAIT &&
			    plan_action_format(&o->in, plan, &plan->actions[i], &line) >= 0)
				log_action_wait(o, &plan->actions[i], line);
		}
		free(d->last_waits);
		d->last_waits = buf;
	} else
		free(buf);
}

/* Returns 1 when it stopped after detach requests: the actions after a
 * detach (numvfs through 0) need the VF released, which only the guest
 * can do, and libvirt says so with a device-removed event. */
static int carry_out(Daemon *d, virConnectPtr conn, const Observation *o, const Plan *plan)
{
	ApplyContext ctx = { .conn = conn, .journal = d->ctx.journal, .state_dir = d->ctx.config->state_dir, .obs = o,
			     .plan = plan };
	bool detached = false;

	for (size_t i = 0; i < plan->n_actions; i++) {
		const PlanAction *a = &plan->actions[i];
		_cleanup_free_ char *line = NULL, *err = NULL;
		uint64_t t0;
		int r;

		if (a->type == PLAN_WAIT)
			continue;
		if (detached && a->type != PLAN_DETACH && !d->ctx.dry_run) {
			log_debug("Waiting for the guests to release the detached VFs");
			return 1;
		}
		if (plan_action_format(&o->in, plan, a, &line) < 0)
			return -ENOMEM;
		if (d->ctx.dry_run) {
			log_info("dry run: would %s", line);
			continue;
		}
		/* A detach waits for the guest (libvirt gives it seconds), an
		 * attach or numvfs for the kernel: say which, while it lasts. */
		daemon_busy(d, "%s", line);
		t0 = now_monotonic_us();
		r = apply_action(&ctx, a, &err);
		metrics_action(d->metrics, a->type, a->vm >= 0 ? o->vm_names[a->vm] : NULL, t0, r >= 0);
		if (r < 0)
			/* Stop here: later actions assumed this one; the next
			 * turn observes what really happened. */
			return log_action_failed(o, a, r, line, err);
		log_action_done(o, a, line);
		detached |= a->type == PLAN_DETACH;
	}
	return 0;
}

static void arm_dwell(Daemon *d, const Plan *plan, uint64_t now)
{
	uint64_t ms;

	if (!plan->wakeup_us) {
		virEventUpdateTimeout(d->dwell_timer, -1);
		return;
	}
	ms = plan->wakeup_us > now ? (plan->wakeup_us - now + 999) / 1000 : 0;
	virEventUpdateTimeout(d->dwell_timer, ms > INT32_MAX ? INT32_MAX : (int)ms);
}

/* A guest that does not acknowledge an unplug keeps its VF; ask again
 * this often rather than spin. */
#define DETACH_RECHECK_MS 5000

static bool plan_changes(const Plan *plan)
{
	for (size_t i = 0; i < plan->n_actions; i++)
		if (plan->actions[i].type != PLAN_WAIT)
			return true;
	return false;
}

int daemon_reconcile(Daemon *d)
{
	_cleanup_free_ char *err = NULL;
	virConnectPtr conn = watch_conn(d->ctx.watch);
	Observation *o = NULL;
	Plan *plan = NULL;
	uint64_t now = now_us();
	bool awaiting_release;
	int r;

	if (!conn) {
		/* The watcher reconnects and asks again; nothing to decide blind. */
		daemon_set_status(d, NULL, NULL, watch_last_error(d->ctx.watch));
		return 0;
	}
	daemon_busy(d, "observing libvirt at %s and %u PF(s)", d->ctx.config->libvirt_uri, d->ctx.config->n_pfs);
	r = observe(d->ctx.config, d->ctx.journal, conn, &o, &err);
	if (r < 0)
		return log_error_errno(r, "Observing %s: %s", d->ctx.config->libvirt_uri, err ? err : strerror(-r));
	for (char **p = o->problems; p && *p; p++)
		log_warning("%s", *p);
	o->in.now_us = now;
	r = plan_decide(&o->in, &plan);
	if (r < 0) {
		observation_free(o);
		return log_error_errno(r, "Deciding: inconsistent observation: %m");
	}
	log_debug("M1=%u N1=%u mode=%s", plan->m1, plan->n1, plan->mode.active ? "active" : "inactive");
	log_waits(d, o, plan);
	log_metadata(d, conn, o);
	if (!d->ctx.dry_run && prune_attachments(d->ctx.journal, o)) {
		/* Stale entries on disk are harmless (they count only while
		 * the VM named holds the VF) and go with the next save. */
		r = journal_save(d->ctx.journal, d->ctx.config->state_dir);
		if (r < 0)
			log_warning_errno(r, "Saving the journal in %s: %m; retrying at the next save",
					  d->ctx.config->state_dir);
	}
	r = carry_out(d, conn, o, plan);
	awaiting_release = r > 0;
	if (r >= 0 && plan->mode.active != d->ctx.journal->active) {
		_cleanup_free_ char *summary = NULL;

		if (plan_summary_format(&o->in, plan, &summary) >= 0)
			log_split_change(plan->mode.active, summary);
	}
	if (r >= 0) {
		/* In a dry run the mode lives in memory only. */
		d->ctx.journal->active = plan->mode.active;
		d->ctx.journal->below_since_us = plan->mode.below_since_us;
		daemon_busy(d, "saving the journal in %s", d->ctx.config->state_dir);
		r = d->ctx.dry_run ? 0 : journal_save(d->ctx.journal, d->ctx.config->state_dir);
		if (r < 0)
			log_error_errno(r, "Saving the journal in %s: %m", d->ctx.config->state_dir);
	}
	if (r >= 0 && awaiting_release) {
		/* Detach requested: the device-removed event brings the next
		 * turn; look again later in case a guest never answers. */
		virEventUpdateTimeout(d->reconcile_timer, DETACH_RECHECK_MS);
	} else if (r >= 0) {
		arm_dwell(d, plan, now);
		/* Changes were made: look once more, to confirm and to show
		 * the result; a converged turn changes nothing. */
		if (!d->ctx.dry_run && plan_changes(plan))
			daemon_schedule(d);
	}
	daemon_set_status(d, o, plan, NULL);
	notify_sendf("STATUS=%s: %u VM(s), %u VF(s) wanted, %u spare", plan->mode.active ? "split active" : "no split",
		     plan->m1, plan->n1, plan->spare);
	plan_free(plan);
	observation_free(o);
	return r;
}

static size_t count_ours(const Observation *o)
{
	size_t n = 0;

	for (size_t p = 0; p < o->n_pfs; p++)
		for (size_t k = 0; k < o->plan_pfs[p].n_vfs; k++)
			n += o->pfs[p].vfs[k].use == PLAN_VF_OURS;
	return n;
}

/* Ask every VM to let go of the daemon's VFs; a detach completes in the
 * guest, so wait (bounded) until libvirt shows them free. */
static int detach_all(Daemon *d, virConnectPtr conn, Observation **o)
{
	for (int round = 0; round < 20 && count_ours(*o) > 0; round++) {
		ApplyContext ctx = { .conn = conn, .journal = d->ctx.journal, .state_dir = d->ctx.config->state_dir, .obs = *o };
		_cleanup_free_ char *err = NULL;
		int r;

		for (size_t p = 0; round == 0 && p < (*o)->n_pfs; p++)
			for (size_t k = 0; k < (*o)->plan_pfs[p].n_vfs; k++) {
				const PlanVf *vf = &(*o)->pfs[p].vfs[k];
				PlanAction a = { .type = PLAN_DETACH, .vm = vf->vm, .pf = (int)p, .vf = (int)vf->index };
				_cleanup_free_ char *e = NULL;

				if (vf->use != PLAN_VF_OURS)
					continue;
				daemon_busy(d, "stopping: detach VF %u of %s from VM %s", vf->index, (*o)->pfs[p].name,
					    (*o)->vm_names[vf->vm]);
				if (apply_action(&ctx, &a, &e) < 0)
					log_warning("Detaching VF %u of %s from %s: %s", vf->index, (*o)->pfs[p].name,
						    (*o)->vm_names[vf->vm], e ? e : "failed");
				else
					log_info("Detach VF %u of %s from VM %s", vf->index, (*o)->pfs[p].name,
						 (*o)->vm_names[vf->vm]);
			}
		daemon_busy(d, "stopping: waiting for the guests to release %zu VF(s)", count_ours(*o));
		sleep(1);
		observation_free(*o);
		*o = NULL;
		r = observe(d->ctx.config, d->ctx.journal, conn, o, &err);
		if (r < 0)
			return log_error_errno(r, "Observing while reverting: %s", err ? err : strerror(-r));
	}
	return count_ours(*o) == 0 ? 0 : -EBUSY;
}

int daemon_revert(Daemon *d)
{
	virConnectPtr conn = watch_conn(d->ctx.watch);
	_cleanup_free_ char *err = NULL;
	Observation *o = NULL;
	int r, q, ret = 0;

	if (!conn)
		return log_error_errno(-ENOTCONN, "Cannot give VFs back: libvirt at %s is unreachable; state kept in %s",
				       d->ctx.config->libvirt_uri, d->ctx.config->state_dir);
	r = observe(d->ctx.config, d->ctx.journal, conn, &o, &err);
	if (r < 0)
		return log_error_errno(r, "Observing before revert: %s", err ? err : strerror(-r));
	r = detach_all(d, conn, &o);
	if (r < 0)
		log_error("Some VMs did not release their VFs; leaving their PFs split");
	for (size_t p = 0; r >= 0 && p < o->n_pfs; p++) {
		const JournalPf *jp = journal_find_pf(d->ctx.journal, &o->plan_pfs[p].addr);
		ApplyContext ctx = { .conn = conn, .journal = d->ctx.journal, .state_dir = d->ctx.config->state_dir, .obs = o };
		PlanAction a = { .type = PLAN_SET_NUMVFS, .vm = -1, .pf = (int)p, .vf = -1 };
		_cleanup_free_ char *e = NULL;

		if (!jp || !jp->numvfs_changed)
			continue;
		a.numvfs = jp->numvfs;
		daemon_busy(d, "stopping: give %s back (numvfs %u)", o->pfs[p].name, a.numvfs);
		if (apply_action(&ctx, &a, &e) < 0) {
			log_error("Giving %s back (numvfs %u): %s", o->pfs[p].name, jp->numvfs, e ? e : "failed");
			ret = -EIO;
		} else
			log_info("Gave %s back: numvfs %u", o->pfs[p].name, a.numvfs);
	}
	/* Else the next start would give the PFs back a second time. */
	q = journal_save(d->ctx.journal, d->ctx.config->state_dir);
	if (q < 0) {
		log_error_errno(q, "Saving the journal in %s after giving the PFs back: %m", d->ctx.config->state_dir);
		ret = -EIO;
	}
	observation_free(o);
	return r < 0 ? r : ret;
}
