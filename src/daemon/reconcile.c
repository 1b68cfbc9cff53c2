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
#include "basic/strv.h"
#include "core/attach-batch.h"
#include "daemon/apply.h"
#include "daemon/attach-run.h"
#include "daemon/daemon.h"
#include "daemon/log-event.h"
#include "daemon/metrics-collect.h"
#include "daemon/monitor-loop.h"
#include "daemon/observe.h"
#include "daemon/revert-vfs.h"
#include "daemon/sd-notify.h"
#include "daemon/status-json.h"
#include "daemon/vf-release.h"

/* Wall clock, not monotonic: the dwell start is kept in the journal and
 * must mean the same after a restart (a clock step only shortens or
 * lengthens one dwell). */
static uint64_t now_us(void)
{
	return now_realtime_us();
}

/* Whether the observation can say that attachment a is gone: its PF and
 * VF were read (an unknown one may still be held, plan.h U3, U4). */
static bool known_gone(const Observation *o, const JournalAttach *a)
{
	for (size_t p = 0; p < o->n_pfs; p++) {
		if (o->plan_pfs[p].unknown != PLAN_KNOWN) {
			if (!o->pfs[p].addr || pci_addr_equal(&o->plan_pfs[p].addr, &a->pf))
				return false;
			continue;
		}
		if (!pci_addr_equal(&o->plan_pfs[p].addr, &a->pf))
			continue;
		for (size_t k = 0; k < o->plan_pfs[p].n_vfs; k++) {
			const PlanVf *vf = &o->pfs[p].vfs[k];

			if (vf->index == a->vf && (vf->use == PLAN_VF_OURS || vf->use == PLAN_VF_UNKNOWN))
				return false;
		}
	}
	return true;
}

/* Attachments the journal lists but libvirt no longer shows: the VM
 * stopped, the detach finished, or the daemon died before attaching. */
static bool prune_attachments(Journal *j, const Observation *o)
{
	bool changed = false;

	for (size_t i = j->n_attached; i > 0; i--) {
		const JournalAttach *a = &j->attached[i - 1];

		if (known_gone(o, a)) {
			log_debug("Journal: VF %u of a PF is no longer attached; forgetting it", a->vf);
			vf_release_clear_mac(o, &a->pf, a->vf);
			journal_remove_attach(j, &a->pf, a->vf);
			changed = true;
		}
	}
	return changed;
}

/* Whether pair (what, cause) is in the list of pairs l. */
static bool has_pair(char **l, const char *what, const char *cause)
{
	for (size_t i = 0; l && l[i] && l[i + 1]; i += 2)
		if (streq(l[i], what) && (!cause || streq(l[i + 1], cause)))
			return true;
	return false;
}

/* Each unknown is logged once with its cause when it appears (or its
 * cause changes), and once when it is known again: not on every turn.
 * Takes the pairs (observation_unknowns()). */
static void log_unknowns(Daemon *d, char **now)
{
	for (size_t i = 0; now && now[i] && now[i + 1]; i += 2)
		if (!has_pair(d->last_unknowns, now[i], now[i + 1]))
			log_warning("Unknown this turn: %s: %s; nothing is taken from it or changed under it until it "
				    "can be read", now[i], now[i + 1]);
	for (size_t i = 0; d->last_unknowns && d->last_unknowns[i] && d->last_unknowns[i + 1]; i += 2)
		if (!has_pair(now, d->last_unknowns[i], NULL))
			log_info("Known again: %s", d->last_unknowns[i]);
	strv_free(d->last_unknowns);
	d->last_unknowns = now;
}

/* The summary (M1, N1, spare VFs) and the WAIT lines are logged when they
 * change, not on every turn. */
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

/* A numvfs change or bind timed, a refused numvfs remembered with what
 * comes next (pf-record.h). */
static void remember(Daemon *d, const Observation *o, const PlanAction *a, const ApplyOutcome *out)
{
	if (pf_records_action(&d->pf_records, o, a, out, now_monotonic_us()) < 0)
		log_warning("Remembering how PF %s took a change: out of memory", o->pfs[a->pf].name);
}

/* Returns 1 when it stopped after detach requests: the actions after a
 * detach (numvfs through 0) need the VF released, which only the guest
 * can do, and libvirt says so with a device-removed event. */
static int carry_out(Daemon *d, virConnectPtr conn, const Observation *o, const Plan *plan)
{
	ApplyOutcome out;
	ApplyContext ctx = { .conn = conn, .journal = d->ctx.journal, .state_dir = d->ctx.config->state_dir, .obs = o,
			     .plan = plan, .outcome = &out };
	bool detached = false;
	int failed = 0;

	for (size_t i = 0; i < plan->n_actions; i++) {
		const PlanAction *a = &plan->actions[i];
		_cleanup_free_ char *line = NULL, *err = NULL;
		uint64_t t0;
		size_t end;
		int r;

		if (a->type == PLAN_WAIT)
			continue;
		if (detached && a->type != PLAN_DETACH && !d->ctx.dry_run) {
			log_debug("Waiting for the guests to release the detached VFs");
			return 1;
		}
		if (!d->ctx.dry_run && attach_batch_starts(plan, i)) {
			/* The VMs' attaches side by side, each failure alone:
			 * what follows (the spares' binds) needs none of them. */
			r = attach_run(d, &ctx, o, plan, i, &end);
			if (r == -ENOMEM)
				return r;
			if (r < 0 && failed == 0)
				failed = r;
			i = end - 1;
			continue;
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
		out = (ApplyOutcome){};
		r = apply_action(&ctx, a, &err);
		metrics_action(d->metrics, a->type, a->vm >= 0 ? o->vm_names[a->vm] : NULL, t0, r >= 0);
		if (r < 0) {
			/* Stop here: later actions assumed this one; the next
			 * turn observes what really happened. */
			r = log_action_failed(o, a, r, line, err);
			remember(d, o, a, &out);
			return r;
		}
		log_action_done(o, a, line);
		remember(d, o, a, &out);
		detached |= a->type == PLAN_DETACH;
	}
	return failed;
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

/* Something could not be read: look again this often, since no event
 * says when it can. */
#define UNKNOWN_RECHECK_MS 2000

/* A VM is being migrated: libvirt sends no event when its job ends (on
 * the destination the last one, "resumed", can come while the incoming
 * job still runs), so look again this often until it is over. */
#define MIGRATING_RECHECK_MS 2000

static bool any_migrating(const Observation *o)
{
	for (size_t v = 0; v < o->in.n_vms; v++)
		if (o->vms[v].migrating)
			return true;
	return false;
}

/* The domains could not even be listed: everything is unknown, nothing is
 * decided; said once, the caller retries with a backoff. */
static int observe_failed(Daemon *d, int r, const char *err)
{
	_cleanup_free_ char *cause = NULL;
	char **pairs = NULL;

	if (asprintf(&cause, "%s (%s)", err ? err : strerror(-r), d->ctx.config->libvirt_uri) < 0 ||
	    strv_extend(&pairs, "libvirt's list of running domains") < 0 || strv_extend(&pairs, cause) < 0) {
		strv_free(pairs);
		return log_error_errno(-ENOMEM, "Listing the unknowns: out of memory");
	}
	log_unknowns(d, pairs);
	daemon_set_unknown_status(d, d->last_unknowns);
	return r;
}

/* The sooner of ms (-1: none) and the first numvfs retry. */
static int retry_or(Daemon *d, int ms)
{
	int retry = pf_records_retry_ms(&d->pf_records, now_monotonic_us());

	return retry >= 0 && (ms < 0 || retry < ms) ? retry : ms;
}

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
	char **unknowns = NULL;
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
		return observe_failed(d, r, err);
	r = observation_unknowns(o, &unknowns);
	if (r < 0) {
		observation_free(o);
		return log_error_errno(-ENOMEM, "Listing the unknowns: out of memory");
	}
	log_unknowns(d, TAKE_PTR(unknowns));
	/* VMs that started or stopped change the housekeeping CPUs. */
	monitor_loop_refresh(d->monitor_loop, &o->vcpu_pinned, o->vcpu_pinned_partial);
	o->in.now_us = now;
	vf_refusals_mark(&d->vf_refusals, o, now_monotonic_us());
	r = pf_records_decide(&d->pf_records, o, now_monotonic_us(), &plan);
	if (r < 0) {
		observation_free(o);
		return log_error_errno(r, "Deciding: inconsistent observation: %m");
	}
	log_debug("M1=%u N1=%u mode=%s", plan->m1, plan->n1, plan->mode.active ? "active" : "inactive");
	log_waits(d, o, plan);
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
	/* P2: the VFs held since the observation; none while a detach waits. */
	if (r >= 0 && !awaiting_release)
		vf_policy_reapply_run(&d->vf_refusals, o, d->ctx.dry_run, now_monotonic_us());
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
		else if (d->last_unknowns && d->last_unknowns[0])
			/* No event says a read works again: look again. */
			virEventUpdateTimeout(d->reconcile_timer, retry_or(d, UNKNOWN_RECHECK_MS));
		else if (any_migrating(o))
			virEventUpdateTimeout(d->reconcile_timer, retry_or(d, MIGRATING_RECHECK_MS));
		else if (retry_or(d, -1) >= 0)
			/* A refused numvfs write is due again (pf-record.h). */
			virEventUpdateTimeout(d->reconcile_timer, retry_or(d, -1));
		else if (vf_refusals_retry_ms(&d->vf_refusals, now_monotonic_us()) >= 0)
			/* A refused VF policy is due again (vf-policy-run.h). */
			virEventUpdateTimeout(d->reconcile_timer,
					      vf_refusals_retry_ms(&d->vf_refusals, now_monotonic_us()));
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

/* Giving a PF or a VF back destroys or unbinds VFs: on an unknown (a VM
 * whose XML did not read, a VF whose holder is unknown) the holdings are
 * not known.  A read that failed once (libvirt busy with a starting VM)
 * gets a few more looks, a second apart; then nothing is given back and
 * the journal keeps it all for the next start (core/plan.h U1-U4). */
#define REVERT_UNKNOWN_LOOKS 5
static int observe_known(Daemon *d, virConnectPtr conn, Observation **o)
{
	for (int look = 1;; look++) {
		_cleanup_strv_free_ char **u = NULL;
		_cleanup_free_ char *err = NULL;
		int r = observation_unknowns(*o, &u);

		if (r < 0)
			return log_error_errno(r, "Listing what is unknown before giving VFs back: %m; giving nothing back");
		if (!u[0])
			return 0;
		if (look == REVERT_UNKNOWN_LOOKS) {
			log_error("Not giving VFs back: %s is unknown (%s); the journal in %s keeps them", u[0], u[1],
				  d->ctx.config->state_dir);
			return -EBUSY;
		}
		log_info("Stopping: %s is unknown (%s); looking again before giving VFs back", u[0], u[1]);
		daemon_busy(d, "stopping: %s is unknown; looking again", u[0]);
		sleep(1);
		observation_free(*o);
		*o = NULL;
		r = observe(d->ctx.config, d->ctx.journal, conn, o, &err);
		if (r < 0)
			return log_error_errno(r, "Observing before giving VFs back: %s", err ? err : strerror(-r));
	}
}

/* G1: nothing is detached from a VM that libvirt is migrating; giving
 * back its PF would have to.  Says the first such VM holding a VF. */
static bool migration_blocks_revert(const Observation *o)
{
	for (size_t p = 0; p < o->n_pfs; p++)
		for (size_t k = 0; k < o->plan_pfs[p].n_vfs; k++) {
			const PlanVf *vf = &o->pfs[p].vfs[k];

			if (vf->use == PLAN_VF_OURS && vf->vm >= 0 && o->vms[vf->vm].migrating) {
				log_error("Not giving VFs back: VM %s is being migrated (%s); the journal in the state "
					  "directory keeps them", o->vm_names[vf->vm], o->vm_migrations[vf->vm] ?: "?");
				return true;
			}
		}
	return false;
}

/* Whether the revert may go on with what *o (looked at again while
 * unknown) shows: nothing unknown, nothing migrating. */
static int may_give_back(Daemon *d, virConnectPtr conn, Observation **o)
{
	int r = observe_known(d, conn, o);

	return r < 0 ? r : migration_blocks_revert(*o) ? -EBUSY : 0;
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
	r = may_give_back(d, conn, &o);
	if (r < 0) {
		observation_free(o);
		return r;
	}
	r = detach_all(d, conn, &o);
	if (r < 0)
		log_error("Some VMs did not release their VFs; leaving their PFs split");
	/* detach_all() looked again: what it saw must be known too. */
	q = o ? may_give_back(d, conn, &o) : 0;
	if (q < 0) {
		observation_free(o);
		return q;
	}
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
	if (o && daemon_revert_vfs(d, o) < 0)
		ret = -EIO;
	/* Else the next start would give the PFs back a second time. */
	q = journal_save(d->ctx.journal, d->ctx.config->state_dir);
	if (q < 0) {
		log_error_errno(q, "Saving the journal in %s after giving the PFs back: %m", d->ctx.config->state_dir);
		ret = -EIO;
	}
	observation_free(o);
	return r < 0 ? r : ret;
}
