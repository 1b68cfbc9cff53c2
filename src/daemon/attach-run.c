/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "core/attach-batch.h"
#include "daemon/attach-run.h"
#include "daemon/log-event.h"
#include "daemon/metrics-collect.h"
#include "daemon/status-json.h"

typedef struct Worker {
	AttachRun *run;
	ApplyAttach at;
	char *line;		/* plan_action_format()'s, for the log */
	pthread_t thread;
	bool threaded;		/* joined at the end */
	bool active;		/* begun and not yet ended: main thread only */
	uint64_t t0;		/* CLOCK_MONOTONIC, for the metrics */
	uint64_t started_at_us; /* wall clock, for the view */
	/* Under run->lock, written by the worker: */
	bool finished;
	int r;
	char *error;
} Worker;

struct AttachRun {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	virConnectPtr conn;
	AttachBatch batch;
	Worker *workers; /* one per job */
	const Observation *o;
	const Plan *plan;
	int first_error;
};

/* The worker: the libvirt request, nothing else (no log, no journal). */
static void *work(void *userdata)
{
	Worker *w = userdata;
	char *err = NULL;
	int r = apply_attach_call(w->run->conn, &w->at, &err);

	pthread_mutex_lock(&w->run->lock);
	w->r = r;
	w->error = err;
	w->finished = true;
	pthread_cond_signal(&w->run->cond);
	pthread_mutex_unlock(&w->run->lock);
	return NULL;
}

/* A thread that takes no signal (the main loop reads them from its
 * signalfd); without one (out of threads), the request is made here. */
static void spawn(Worker *w)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->threaded = pthread_create(&w->thread, NULL, work, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!w->threaded)
		(void)work(w);
}

static void note_error(AttachRun *run, int r)
{
	if (r < 0 && run->first_error == 0)
		run->first_error = r;
}

static size_t not_done(const AttachBatch *b)
{
	size_t n = 0;

	for (size_t j = 0; j < b->n_jobs; j++)
		n += b->jobs[j].state == ATTACH_JOB_PENDING || b->jobs[j].state == ATTACH_JOB_RUNNING;
	return n;
}

/* What is in flight, to the control socket, the metrics and the busy line. */
static void publish(Daemon *d, AttachRun *run)
{
	MetricsAttach in_flight[CONFIG_PARALLEL_ATTACH_MAX] = { 0 };
	size_t n = 0;

	for (size_t j = 0; j < run->batch.n_jobs && n < ELEMENTSOF(in_flight); j++) {
		const Worker *w = &run->workers[j];
		const PlanAction *a = &run->plan->actions[run->batch.jobs[j].attach];

		if (w->active)
			in_flight[n++] = (MetricsAttach){ .domain = run->o->vm_names[a->vm],
							  .pf = run->o->pfs[a->pf].name,
							  .vf = (unsigned)a->vf,
							  .started = (double)w->started_at_us / 1e6 };
	}
	metrics_attaching(d->metrics, in_flight, n);
	daemon_set_status(d, run->o, run->plan, NULL);
	if (n > 0)
		daemon_busy(d, "attaching VFs: %zu in flight (at most %u), %zu of %zu not done yet", n,
			    run->batch.limit, not_done(&run->batch), run->batch.n_jobs);
}

/* The VF's MAC and policy on the PF, on this thread, as one by one; 1
 * when the NIC refused the VM's policy (remembered, the VM waits). */
static int set_mac(Daemon *d, AttachRun *run, const ApplyContext *ctx, const PlanAction *a)
{
	_cleanup_free_ char *line = NULL, *err = NULL;
	uint64_t t0;
	int r;

	if (plan_action_format(&run->o->in, run->plan, a, &line) < 0)
		return -ENOMEM;
	daemon_busy(d, "%s", line);
	t0 = now_monotonic_us();
	if (ctx->outcome)
		*ctx->outcome = (ApplyOutcome){};
	r = apply_action(ctx, a, &err);
	metrics_action(d->metrics, a->type, run->o->vm_names[a->vm], t0, r >= 0);
	if (r < 0 && ctx->outcome && ctx->outcome->vf_policy_refused) {
		/* Not a failure of the turn: the VM waits for another policy
		 * (P1), with the reason in status; its VF stays a spare. */
		(void)log_action_failed(run->o, a, r, line, err);
		if (vf_refusals_add(&d->vf_refusals, run->o, a->vm, err, now_monotonic_us()) < 0)
			return -ENOMEM;
		return 1;
	}
	if (r < 0)
		return log_action_failed(run->o, a, r, line, err);
	vf_refusals_forget(&d->vf_refusals, run->o, a->vm);
	log_action_done(run->o, a, line);
	return 0;
}

/* Every job's MAC before any attach (core/attach-batch.h says why); a
 * job whose MAC is refused fails alone. */
static void set_macs(Daemon *d, AttachRun *run, const ApplyContext *ctx)
{
	for (size_t j = 0; j < run->batch.n_jobs; j++) {
		const AttachJob *job = &run->batch.jobs[j];
		int r;

		run->workers[j].run = run;
		if (job->mac == ATTACH_NO_MAC)
			continue;
		r = set_mac(d, run, ctx, &run->plan->actions[job->mac]);
		if (r < 0)
			note_error(run, r);
		if (r != 0)
			attach_batch_fail(&run->batch, j);
	}
}

/* Job j (its MAC is set): its journal entry, then its request on a worker. */
static void start(Daemon *d, AttachRun *run, const ApplyContext *ctx, size_t j)
{
	const AttachJob *job = &run->batch.jobs[j];
	const PlanAction *a = &run->plan->actions[job->attach];
	Worker *w = &run->workers[j];
	_cleanup_free_ char *err = NULL;
	int r = 0;

	r = plan_action_format(&run->o->in, run->plan, a, &w->line) < 0 ? -ENOMEM : 0;
	w->t0 = now_monotonic_us();
	if (r >= 0) {
		r = apply_attach_begin(ctx, a, &w->at, &err);
		if (r < 0) {
			metrics_action(d->metrics, a->type, run->o->vm_names[a->vm], w->t0, false);
			(void)log_action_failed(run->o, a, r, w->line ? w->line : "attach", err);
		}
	}
	if (r < 0) {
		note_error(run, r);
		attach_batch_finish(&run->batch, j, false);
		return;
	}
	w->started_at_us = now_realtime_us();
	w->active = true;
	/* Where each request starts, for timing one attach among many. */
	log_debug("Requesting: %s", w->line);
	spawn(w);
}

/* A finished job: its journal entry kept or taken back, counted, logged. */
static void end(Daemon *d, AttachRun *run, const ApplyContext *ctx, size_t j)
{
	const PlanAction *a = &run->plan->actions[run->batch.jobs[j].attach];
	Worker *w = &run->workers[j];

	if (w->threaded)
		pthread_join(w->thread, NULL);
	w->threaded = false;
	w->active = false;
	apply_attach_end(ctx, &w->at, w->r);
	metrics_action(d->metrics, PLAN_ATTACH, run->o->vm_names[a->vm], w->t0, w->r >= 0);
	if (w->r < 0) {
		note_error(run, w->r);
		(void)log_action_failed(run->o, a, w->r, w->line, w->error);
	} else
		log_action_done(run->o, a, w->line);
	attach_batch_finish(&run->batch, j, w->r >= 0);
}

/* Wait for at least one running job to finish; end every finished one. */
static void reap(Daemon *d, AttachRun *run, const ApplyContext *ctx)
{
	bool any = false;

	pthread_mutex_lock(&run->lock);
	for (;;) {
		for (size_t j = 0; j < run->batch.n_jobs; j++)
			if (run->workers[j].active && run->workers[j].finished) {
				run->workers[j].finished = false;
				pthread_mutex_unlock(&run->lock);
				end(d, run, ctx, j);
				pthread_mutex_lock(&run->lock);
				any = true;
			}
		if (any)
			break;
		pthread_cond_wait(&run->cond, &run->lock);
	}
	pthread_mutex_unlock(&run->lock);
}

static void run_free(AttachRun *run)
{
	for (size_t j = 0; run->workers && j < run->batch.n_jobs; j++) {
		free(run->workers[j].line);
		free(run->workers[j].error);
	}
	free(run->workers);
	attach_batch_free(&run->batch);
	pthread_cond_destroy(&run->cond);
	pthread_mutex_destroy(&run->lock);
}

int attach_run(Daemon *d, const ApplyContext *ctx, const Observation *o, const Plan *plan, size_t from,
	       size_t *ret_end)
{
	AttachRun run = { .conn = ctx->conn, .o = o, .plan = plan };
	size_t j;
	int r;

	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.cond, NULL);
	r = attach_batch_init(&run.batch, plan, from, d->ctx.config->parallel_attach);
	if (r >= 0) {
		run.workers = calloc(run.batch.n_jobs ? run.batch.n_jobs : 1, sizeof(*run.workers));
		r = run.workers ? 0 : -ENOMEM;
	}
	if (r < 0) {
		run_free(&run);
		return r;
	}
	set_macs(d, &run, ctx);
	d->attaching = &run;
	for (;;) {
		while (attach_batch_next(&run.batch, &j))
			start(d, &run, ctx, j);
		publish(d, &run);
		if (attach_batch_finished(&run.batch))
			break;
		reap(d, &run, ctx);
	}
	d->attaching = NULL;
	metrics_attaching(d->metrics, NULL, 0);
	if (run.batch.n_jobs > 1)
		log_debug("Attached %zu VF(s), at most %u at once (limit %u), %u failed, %u skipped", run.batch.n_jobs,
			  run.batch.peak, run.batch.limit, run.batch.failed, run.batch.skipped);
	*ret_end = run.batch.end;
	r = run.first_error;
	run_free(&run);
	return r;
}

json_object *attach_run_status(const AttachRun *run)
{
	json_object *a = json_object_new_array();

	for (size_t j = 0; run && j < run->batch.n_jobs; j++) {
		const Worker *w = &run->workers[j];
		const PlanAction *act = &run->plan->actions[run->batch.jobs[j].attach];
		json_object *e;

		if (!w->active)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "vm", json_object_new_string(run->o->vm_names[act->vm]));
		json_object_object_add(e, "pf", json_object_new_string(run->o->pfs[act->pf].name));
		json_object_object_add(e, "vf", json_object_new_int(act->vf));
		json_object_object_add(e, "started_at_us", json_object_new_int64((int64_t)w->started_at_us));
		json_object_array_add(a, e);
	}
	return a;
}
