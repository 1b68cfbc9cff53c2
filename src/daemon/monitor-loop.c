/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvirt/libvirt.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "core/cpu-busy.h"
#include "core/monitor-cpu.h"
#include "daemon/irq-loop.h"
#include "daemon/monitor-loop.h"
#include "host/cpus.h"
#include "host/procfs.h"
#include "host/self-affinity.h"

/* Samples between looks at what changes without a turn: CPUs going
 * online or offline, isolation. */
#define REFRESH_TICKS 10U

struct MonitorLoop {
	const DaemonContext *ctx;
	int timer;
	CpuSet started;	  /* every thread's affinity at start */
	CpuSet pinned;	  /* vCPU CPUs, from the last turn's observation */
	CpuSet allowed;
	MonitorCpusWhy why;
	bool has_allowed;
	CpuSet set_to;	  /* what the threads were last pinned to */
	bool has_set_to;
	int cpu;	  /* the one CPU when sampling, else -1 */
	unsigned threads;
	char *error;	  /* the last pin or read failure, for status */
	MonitorCpuState *st;
	ProcStat *stat;	  /* the last sample */
	unsigned tick;
	bool has_move;
	MonitorMove move;
	char *move_line;
	time_t move_at;
};

static void set_error(MonitorLoop *l, int r, const char *what)
{
	_cleanup_free_ char *msg = NULL;

	if (asprintf(&msg, "%s: %s", what, strerror(-r)) < 0)
		msg = NULL;
	if (msg && (!l->error || !streq(l->error, msg)))
		log_warning("kvmnetd's CPUs: %s", msg); /* once per new failure */
	free(l->error);
	l->error = TAKE_PTR(msg);
}

static void read_optional(int (*fn)(CpuSet *), CpuSet *ret)
{
	/* Absent (old kernels, no NO_HZ_FULL): none. */
	if (fn(ret) < 0)
		cpuset_zero(ret);
}

/* The host's CPUs as monitor_cpus_choose() wants them. */
static int read_host(MonitorLoop *l, MonitorCpuHost *h)
{
	const Config *c = l->ctx->config;
	int r;

	r = cpus_online(&h->online);
	if (r < 0)
		return r;
	read_optional(cpus_isolated, &h->isolated);
	read_optional(cpus_nohz_full, &h->nohz_full);
	h->vcpu_pinned = l->pinned;
	/* [irq] without cpus may place vectors on any online CPU. */
	cpuset_zero(&h->irq);
	if (c->irq.enabled)
		h->irq = c->irq.has_cpus ? c->irq.cpus : h->online;
	h->started = l->started;
	return 0;
}

static bool compute_allowed(MonitorLoop *l)
{
	const ConfigDaemonCpus *c = &l->ctx->config->cpus;
	_cleanup_free_ char *list = NULL;
	MonitorCpuHost h;
	CpuSet allowed;
	MonitorCpusWhy why;
	int r;

	r = read_host(l, &h);
	if (r >= 0)
		r = monitor_cpus_choose(c->set && !c->is_auto ? &c->list : NULL, &h, &allowed, &why);
	if (r < 0) {
		set_error(l, r, "reading /sys/devices/system/cpu/online");
		return false;
	}
	if (l->has_allowed && cpuset_equal(&allowed, &l->allowed) && why == l->why)
		return false;
	l->allowed = allowed;
	l->why = why;
	l->has_allowed = true;
	(void)cpuset_format_list(&allowed, &list);
	if (why == MONITOR_CPUS_CONFIGURED || why == MONITOR_CPUS_HOUSEKEEPING)
		log_info("kvmnetd's CPUs: %s (%s)", list ?: "?", monitor_cpus_why_to_string(why));
	else
		log_warning("kvmnetd's CPUs: %s (%s)", list ?: "?", monitor_cpus_why_to_string(why));
	return true;
}

static int pin(MonitorLoop *l, const CpuSet *set)
{
	_cleanup_free_ char *list = NULL;
	unsigned n = 0;
	int r;

	r = self_pin_threads(set, &n);
	if (r < 0) {
		(void)cpuset_format_list(set, &list);
		set_error(l, r, list ? list : "pinning kvmnetd's threads");
		return r;
	}
	free(l->error);
	l->error = NULL;
	l->set_to = *set;
	l->has_set_to = true;
	l->threads = n;
	return 0;
}

static bool sampling(const MonitorLoop *l)
{
	return l->ctx->config->cpus.set;
}

static void apply_move(MonitorLoop *l, const MonitorMove *m)
{
	_cleanup_free_ char *line = NULL;
	CpuSet one;

	cpuset_zero(&one);
	if (m->to < 0 || cpuset_set(&one, (unsigned)m->to) < 0 || pin(l, &one) < 0)
		return;
	l->cpu = m->to;
	if (monitor_move_format(m, irq_loop_params(l->ctx->config).busy_percent, &line) < 0)
		return;
	log_info("kvmnetd's threads (%u): %s", l->threads, line);
	l->move = *m;
	l->has_move = true;
	l->move_at = time(NULL);
	free(l->move_line);
	l->move_line = TAKE_PTR(line);
	/* The status view is published by a turn. */
	daemon_ctx_schedule(l->ctx);
}

/* Where the threads go now: the whole set, or (sampling) one CPU of it. */
static void place(MonitorLoop *l, const double *busy, size_t n_busy)
{
	IrqPlacementParams p = irq_loop_params(l->ctx->config);
	MonitorMove m;

	if (!l->has_allowed)
		return;
	if (!sampling(l)) {
		l->cpu = -1;
		if (!l->has_set_to || !cpuset_equal(&l->set_to, &l->allowed))
			(void)pin(l, &l->allowed);
		return;
	}
	if (monitor_cpu_decide(l->st, &p, &l->allowed, busy, n_busy, l->cpu, &m) > 0)
		apply_move(l, &m);
}

int monitor_loop_sample(MonitorLoop *l)
{
	_cleanup_proc_stat_ ProcStat *stat = NULL;
	_cleanup_free_ double *busy = NULL;
	size_t n_busy = 0;
	int r;

	if (l->tick++ % REFRESH_TICKS == 0)
		(void)compute_allowed(l);
	r = proc_stat_read(&stat);
	if (r < 0) {
		set_error(l, r, "reading /proc/stat");
		return r;
	}
	if (l->stat) {
		r = cpu_busy_sample(l->stat, stat, &busy, &n_busy);
		if (r < 0)
			return r;
		place(l, busy, n_busy);
	}
	proc_stat_free(l->stat);
	l->stat = TAKE_PTR(stat);
	return 0;
}

static void on_timer(int timer, void *opaque)
{
	MonitorLoop *l = opaque;

	(void)monitor_loop_sample(l);
}

static void arm(MonitorLoop *l)
{
	if (l->timer >= 0)
		virEventUpdateTimeout(l->timer, sampling(l) ? (int)(l->ctx->config->irq.interval_us / 1000) : -1);
}

/* A new config: the hysteresis starts over and every thread is pinned
 * again (to the CPU it is on when that is still allowed). */
static void restart(MonitorLoop *l)
{
	bool keep = sampling(l) && l->cpu >= 0 && l->has_allowed && cpuset_isset(&l->allowed, (unsigned)l->cpu);
	CpuSet one;

	memset(l->st, 0, sizeof(*l->st));
	l->has_set_to = false;
	cpuset_zero(&one);
	if (keep && cpuset_set(&one, (unsigned)l->cpu) >= 0)
		(void)pin(l, &one);
	else {
		l->cpu = -1;
		place(l, NULL, 0);
	}
	arm(l);
}

int monitor_loop_new(const DaemonContext *ctx, MonitorLoop **ret)
{
	_cleanup_free_ MonitorLoop *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->st = calloc(1, sizeof(*l->st));
	if (!l->st)
		return -ENOMEM;
	l->ctx = ctx;
	l->cpu = -1;
	r = self_threads_affinity(&l->started);
	if (r < 0) {
		log_warning_errno(r, "kvmnetd's CPUs: reading its threads' affinity in /proc/self/task: %m; "
				  "taking every online CPU");
		cpuset_zero(&l->started);
	}
	l->timer = virEventAddTimeout(-1, on_timer, l, NULL);
	if (l->timer < 0) {
		free(l->st);
		return -ENOMEM;
	}
	(void)compute_allowed(l);
	restart(l);
	*ret = TAKE_PTR(l);
	return 0;
}

void monitor_loop_reconfigure(MonitorLoop *l)
{
	l->has_allowed = false;
	l->tick = 1; /* compute_allowed() just ran */
	(void)compute_allowed(l);
	restart(l);
}

void monitor_loop_refresh(MonitorLoop *l, const CpuSet *vcpu_pinned, bool partial)
{
	if (!l)
		return;
	/* A domain whose XML was not read may pin anything: what was known
	 * to be pinned stays so. */
	if (partial)
		for (size_t i = 0; i < ELEMENTSOF(l->pinned.bits); i++)
			l->pinned.bits[i] |= vcpu_pinned->bits[i];
	else
		l->pinned = *vcpu_pinned;
	if (!compute_allowed(l))
		return;
	/* Sampling: only off the set is a reason to move without numbers. */
	if (!sampling(l) || l->cpu < 0 || !cpuset_isset(&l->allowed, (unsigned)l->cpu))
		place(l, NULL, 0);
}

void monitor_loop_free(MonitorLoop *l)
{
	if (!l)
		return;
	if (l->timer >= 0)
		virEventRemoveTimeout(l->timer);
	proc_stat_free(l->stat);
	free(l->st);
	free(l->error);
	free(l->move_line);
	free(l);
}

static json_object *list_json(const CpuSet *s)
{
	_cleanup_free_ char *list = NULL;

	return cpuset_format_list(s, &list) < 0 ? NULL : json_object_new_string(list);
}

static json_object *move_json(const MonitorLoop *l)
{
	json_object *o;
	char at[32];
	struct tm tm;

	if (!l->has_move)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "from", l->move.from >= 0 ? json_object_new_int(l->move.from) : NULL);
	json_object_object_add(o, "to", json_object_new_int(l->move.to));
	json_object_object_add(o, "reason", json_object_new_string(monitor_move_reason_to_string(l->move.reason)));
	json_object_object_add(o, "from_busy", l->move.from_busy >= 0 ? json_object_new_double(l->move.from_busy) : NULL);
	json_object_object_add(o, "to_busy", l->move.to_busy >= 0 ? json_object_new_double(l->move.to_busy) : NULL);
	if (gmtime_r(&l->move_at, &tm) && strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		json_object_object_add(o, "at", json_object_new_string(at));
	json_object_object_add(o, "line", l->move_line ? json_object_new_string(l->move_line) : NULL);
	return o;
}

json_object *monitor_loop_status(const MonitorLoop *l)
{
	const ConfigDaemonCpus *c;
	json_object *o;
	int cpu;

	if (!l)
		return NULL;
	c = &l->ctx->config->cpus;
	o = json_object_new_object();
	json_object_object_add(o, "configured", !c->set ? NULL : c->is_auto ? json_object_new_string("auto")
									     : list_json(&c->list));
	json_object_object_add(o, "sampling", json_object_new_boolean(sampling(l)));
	json_object_object_add(o, "interval_ms",
			       sampling(l) ? json_object_new_int64((int64_t)(l->ctx->config->irq.interval_us / 1000)) : NULL);
	json_object_object_add(o, "allowed", l->has_allowed ? list_json(&l->allowed) : NULL);
	json_object_object_add(o, "why", l->has_allowed ? json_object_new_string(monitor_cpus_why_to_string(l->why)) : NULL);
	json_object_object_add(o, "pinned_to", l->has_set_to ? list_json(&l->set_to) : NULL);
	cpu = self_current_cpu();
	json_object_object_add(o, "cpu", cpu >= 0 ? json_object_new_int(cpu) : NULL);
	json_object_object_add(o, "threads", json_object_new_int((int)l->threads));
	json_object_object_add(o, "error", l->error ? json_object_new_string(l->error) : NULL);
	json_object_object_add(o, "last_move", move_json(l));
	return o;
}
