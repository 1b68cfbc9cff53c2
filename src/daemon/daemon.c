/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <libvirt/libvirt.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/config-resolve.h"
#include "daemon/ctl-server.h"
#include "daemon/ctl-socket.h"
#include "daemon/daemon.h"
#include "daemon/balloon-loop.h"
#include "daemon/irq-loop.h"
#include "daemon/metrics-collect.h"
#include "daemon/monitor-loop.h"
#include "daemon/state-lock.h"
#include "daemon/tune-run.h"
#include "daemon/sd-notify.h"

static void on_reconcile_timer(int timer, void *opaque)
{
	Daemon *d = opaque;
	uint64_t t0 = now_monotonic_us();
	int r;

	virEventUpdateTimeout(d->reconcile_timer, -1);
	r = daemon_reconcile(d);
	metrics_turn(d->metrics, now_monotonic_us() - t0, r < 0);
	/* [tune] follows the VMs: those started since get theirs.  Tuning is
	 * not what the VMs' VFs depend on: a failure is logged where it
	 * happens (tune-run.c) and the daemon goes on (kvmnetd.conf(5)). */
	(void)tune_run_apply(d->tune_run);
	if (r >= 0) {
		d->failures = 0;
		return;
	}
	/* The kernel or libvirt said no: observe again later, backing off
	 * so that a persistent failure does not spin. */
	if (d->failures < 6)
		d->failures++;
	virEventUpdateTimeout(d->reconcile_timer, (int)(watch_backoff_ms(d->failures - 1)));
}

void daemon_schedule(Daemon *d)
{
	virEventUpdateTimeout(d->reconcile_timer, 0);
}

/* DaemonContext.busy: the parts' "about to block" on the control socket. */
static void ctx_busy(void *owner, const char *what)
{
	Daemon *d = owner;

	if (d->ctl)
		ctl_server_set_busy(d->ctl, what, now_monotonic_us());
}

static void ctx_schedule(void *owner)
{
	daemon_schedule(owner);
}

void daemon_busy(Daemon *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->ctl)
		return;
	va_start(ap, fmt);
	daemon_busy_vsay(ctx_busy, d, fmt, ap);
	va_end(ap);
}

static void on_watch(WatchReason reason, const char *domain, int event, int detail, void *userdata)
{
	Daemon *d = userdata;
	const char *migration;

	switch (reason) {
	case WATCH_CONNECTING:
		/* virConnectOpen() waits for a libvirtd that accepted but does
		 * not answer; nothing to reconcile yet. */
		daemon_busy(d, "connecting to %s", d->ctx.config->libvirt_uri);
		return;
	case WATCH_CONNECTED:
		log_info("Connected to %s; resynchronising", d->ctx.config->libvirt_uri);
		metrics_libvirt(d->metrics, true);
		break;
	case WATCH_DISCONNECTED:
		log_warning("Lost the connection to %s; reconnecting", d->ctx.config->libvirt_uri);
		notify_sendf("STATUS=libvirt at %s unreachable, reconnecting", d->ctx.config->libvirt_uri);
		metrics_libvirt(d->metrics, false);
		/* Not to decide (reconcile does nothing blind) but so that the
		 * control socket stops showing the last view as if connected. */
		break;
	case WATCH_LIFECYCLE:
		log_debug("Domain %s: lifecycle event %d, detail %d", domain, event, detail);
		/* The turn it brings reads the migration from libvirt (G1);
		 * this only says, once, what happened. */
		migration = watch_migration_event(event, detail);
		if (migration)
			log_info("VM %s %s", domain, migration);
		metrics_domain_event(d->metrics, domain, event, now_monotonic_us());
		break;
	case WATCH_DEVICE_REMOVED:
		log_debug("Domain %s: device removed", domain);
		break;
	case WATCH_METADATA:
		log_debug("Domain %s: metadata changed", domain);
		break;
	}
	daemon_schedule(d);
}

static int reload(Daemon *d)
{
	_cleanup_strv_free_ char **errors = NULL;
	Config *c = NULL;
	int r;

	r = config_load_resolved(d->config_path, &c, &errors);
	if (r < 0) {
		STRV_FOREACH(e, errors)
			log_error("%s", *e);
		return log_error_errno(r, "Reload of %s failed; keeping the running configuration", d->config_path);
	}
	/* The URI and state_dir are where the daemon's state lives; changing
	 * them under a running daemon would orphan it. */
	if (strcmp(c->libvirt_uri, d->ctx.config->libvirt_uri) != 0 || strcmp(c->state_dir, d->ctx.config->state_dir) != 0) {
		config_free(c);
		log_error("Reload of %s: [libvirt] uri and [daemon] state_dir take effect only at restart; "
			  "keeping the running configuration", d->config_path);
		return -EINVAL;
	}
	config_free(d->ctx.config);
	d->ctx.config = c;
	log_set_max_level(c->log_level);
	if (d->irq_loop)
		irq_loop_reconfigure(d->irq_loop);
	if (d->balloon_loop)
		balloon_loop_reconfigure(d->balloon_loop);
	if (d->monitor_loop)
		monitor_loop_reconfigure(d->monitor_loop);
	/* Logged inside; the daemon goes on without the metrics. */
	(void)metrics_reconfigure(d->metrics, c);
	log_info("Reloaded %s", d->config_path);
	daemon_schedule(d);
	return 0;
}

static void on_signal(int watch, int fd, int events, void *opaque)
{
	Daemon *d = opaque;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_busy(d, "reloading %s", d->config_path);
			notify_send("RELOADING=1");
			(void)reload(d);
			notify_send("READY=1");
		} else {
			log_info("Received signal %u; stopping", si.ssi_signo);
			d->quit = true;
		}
	}
}

static void on_dwell_timer(int timer, void *opaque)
{
	Daemon *d = opaque;

	virEventUpdateTimeout(d->dwell_timer, -1);
	daemon_schedule(d);
}

static int setup_signals(Daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return negative_errno();
	d->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sig_fd < 0)
		return negative_errno();
	d->sig_watch = virEventAddHandle(d->sig_fd, VIR_EVENT_HANDLE_READABLE, on_signal, d, NULL);
	return d->sig_watch < 0 ? -ENOMEM : 0;
}

static int setup_ctl(Daemon *d)
{
	_cleanup_free_ char *dir = strdup(d->ctl_path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	/* Only the default's directory is made (the unit's RuntimeDirectory
	 * when run by systemd): a mistyped --socket must not leave a trail
	 * of directories. */
	if (slash && slash != dir) {
		*slash = 0;
		if (streq(dir, CTL_SOCKET_DIR) && mkdir(dir, 0755) < 0 && errno != EEXIST)
			return negative_errno();
	}
	/* Root only: the view names every VM on the host. */
	return ctl_server_start(d->ctl_path, 0, &d->ctl);
}

int daemon_new(const char *config_path, const char *ctl_path, unsigned flags, Daemon **ret)
{
	_cleanup_strv_free_ char **errors = NULL;
	Daemon *d;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->sig_fd = d->ready_fd = d->lock_fd = -1;
	d->sig_watch = d->reconcile_timer = d->dwell_timer = -1;
	d->ctx = (DaemonContext){ .dry_run = flags & DAEMON_DRY_RUN, .busy = ctx_busy, .schedule = ctx_schedule,
				  .owner = d };
	d->config_path = strdup(config_path);
	d->ctl_path = strdup(ctl_path);
	if (!d->config_path || !d->ctl_path) {
		daemon_free(d);
		return -ENOMEM;
	}
	r = config_load_resolved(config_path, &d->ctx.config, &errors);
	if (r < 0) {
		STRV_FOREACH(e, errors)
			log_error("%s", *e);
		daemon_free(d);
		return r;
	}
	log_set_max_level(d->ctx.config->log_level);
	r = flags & DAEMON_CHECK_ONLY ? 0 : daemon_claim(d, flags);
	if (r < 0) {
		daemon_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

int daemon_run(Daemon *d)
{
	char hr[16];
	int r;

	/* Detached since the lock was taken: the pid in it is now ours. */
	if (d->lock_fd >= 0 && state_lock_write_pid(d->lock_fd) < 0)
		log_warning("%s/%s: cannot write the pid; a second kvmnetd will not say who holds it",
			    d->ctx.config->state_dir, STATE_LOCK_FILE);
	r = setup_signals(d);
	if (r < 0)
		return log_error_errno(r, "Setting up signal handling: %m");
	r = setup_ctl(d);
	if (r < 0)
		return log_error_errno(r, "Control socket %s: %m", d->ctl_path);
	r = metrics_new(d->ctx.config, d->ctx.dry_run, &d->metrics);
	if (r < 0)
		return r; /* logged inside, with the address */
	d->ctx.metrics = d->metrics;
	d->reconcile_timer = virEventAddTimeout(-1, on_reconcile_timer, d, NULL);
	d->dwell_timer = virEventAddTimeout(-1, on_dwell_timer, d, NULL);
	if (d->reconcile_timer < 0 || d->dwell_timer < 0 || irq_loop_new(&d->ctx, &d->irq_loop) < 0 ||
	    tune_run_new(&d->ctx, &d->tune_run) < 0 || balloon_loop_new(&d->ctx, &d->balloon_loop) < 0)
		return log_error_errno(-ENOMEM, "Adding timers: %m");
	/* Logged inside; the daemon goes on without it (see above). */
	(void)tune_run_apply(d->tune_run);
	r = watch_new(d->ctx.config->libvirt_uri, on_watch, d, &d->ctx.watch);
	if (r < 0)
		return log_error_errno(r, "libvirt watcher: %m");
	watch_start(d->ctx.watch);
	if (!watch_conn(d->ctx.watch))
		log_warning("Cannot connect to %s yet (%s); retrying", d->ctx.config->libvirt_uri,
			    watch_last_error(d->ctx.watch));
	/* After the threads above exist (control socket, metrics); threads
	 * made later inherit.  The pinned vCPUs come with the first turn. */
	if (monitor_loop_new(&d->ctx, &d->monitor_loop) < 0)
		return log_error_errno(-ENOMEM, "Adding the CPU sampler: %m");

	if (d->ready_fd >= 0) {
		(void)!write(d->ready_fd, "R", 1);
		close(d->ready_fd);
		d->ready_fd = -1;
	}
	notify_sendf("READY=1\nSTATUS=watching %u PF(s)%s", d->ctx.config->n_pfs, d->ctx.dry_run ? " (dry run)" : "");
	log_info("kvmnetd running: %u PF(s), threshold %u, %u VF(s) per VM, headroom %s%s", d->ctx.config->n_pfs,
		 d->ctx.config->threshold, d->ctx.config->vfs_per_vm, headroom_to_string(d->ctx.config->headroom, hr),
		 d->ctx.dry_run ? ", dry run: nothing is changed" : "");
	while (!d->quit) {
		if (virEventRunDefaultImpl() < 0)
			return log_error_errno(-EIO, "Event loop failed");
		/* The callbacks of this turn are done: back to waiting. */
		ctl_server_set_busy(d->ctl, NULL, 0);
	}

	notify_send("STOPPING=1");
	if (d->ctx.config->on_stop == ON_STOP_REVERT && !d->ctx.dry_run) {
		/* The socket still answers while the guests let go. */
		int ri, rt, rb;

		daemon_busy(d, "stopping: giving back what the journal in %s holds", d->ctx.config->state_dir);
		ri = irq_loop_revert(d->irq_loop);
		rt = tune_run_revert(d->tune_run);
		rb = balloon_loop_revert(d->balloon_loop);
		r = daemon_revert(d);
		/* Each part logged what it kept; the exit status says so too. */
		if (r >= 0 && (ri < 0 || rt < 0 || rb < 0)) {
			log_error("Stopping: %s%s%s%s%s could not all be given back; the journal in %s keeps them",
				  ri < 0 ? "IRQ affinities" : "", ri < 0 && (rt < 0 || rb < 0) ? ", " : "",
				  rt < 0 ? "tuned values" : "", rt < 0 && rb < 0 ? ", " : "",
				  rb < 0 ? "balloon sizes" : "", d->ctx.config->state_dir);
			r = ri < 0 ? ri : rt < 0 ? rt : rb;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

void daemon_free(Daemon *d)
{
	if (!d)
		return;
	/* First: the thread stops and is joined, and the socket goes. */
	ctl_server_free(d->ctl);
	metrics_free(d->metrics);
	irq_loop_free(d->irq_loop);
	balloon_loop_free(d->balloon_loop);
	monitor_loop_free(d->monitor_loop);
	tune_run_free(d->tune_run);
	watch_free(d->ctx.watch);
	if (d->sig_watch >= 0)
		virEventRemoveHandle(d->sig_watch);
	if (d->reconcile_timer >= 0)
		virEventRemoveTimeout(d->reconcile_timer);
	if (d->dwell_timer >= 0)
		virEventRemoveTimeout(d->dwell_timer);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	journal_free(d->ctx.journal);
	config_free(d->ctx.config);
	free(d->last_waits);
	strv_free(d->last_unknowns);
	pf_records_free(&d->pf_records);
	vf_refusals_free(&d->vf_refusals);
	free(d->config_path);
	free(d->ctl_path);
	/* Last: the state directory is ours until everything above is done. */
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	free(d);
}
