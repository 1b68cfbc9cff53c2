/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/macro.h"
#include "core/plan.h"
#include "daemon/context.h"
#include "daemon/pf-record.h"
#include "daemon/vf-policy-run.h"

/*
 * kvmnetd's state between events.  Everything that happens goes through
 * one path: an event (libvirt, a signal, the dwell timer) arms the
 * reconcile timer; reconcile observes the host and libvirt, asks the
 * core for a plan and applies it.  Bursts of events coalesce into one
 * reconcile because the timer is armed, not stacked.
 */
typedef struct Daemon {
	DaemonContext ctx; /* config, journal, watch, dry_run: what the parts share */
	char *config_path;
	bool quit;
	char *ctl_path;
	struct CtlServer *ctl;	/* the control socket's thread: ctl-server.h */
	int sig_fd, sig_watch;
	int reconcile_timer;	/* 0 ms one-shot; -1 disarmed */
	int dwell_timer;	/* when the plan asks to decide again */
	unsigned failures;	/* reconciles in a row that failed: retry backoff */
	char *last_waits;	/* the WAIT lines last logged, to log changes only */
	char **last_unknowns;	/* the unknowns last logged, (what, cause) pairs */
	int ready_fd;		/* detached: tell the waiting parent we are up */
	struct IrqLoop *irq_loop; /* [irq]: daemon/irq-loop.h */
	struct TuneRun *tune_run; /* [tune]: daemon/tune-run.h */
	struct Metrics *metrics;  /* counters, and [metrics]: daemon/metrics-collect.h */
	int lock_fd;		/* the state directory's lock: state-lock.h */
	struct BalloonLoop *balloon_loop; /* [balloon]: daemon/balloon-loop.h */
	PfRecords pf_records;	/* numvfs refused, change and bind times: pf-record.h */
	struct MonitorLoop *monitor_loop; /* [daemon] cpus: daemon/monitor-loop.h */
	struct AttachRun *attaching; /* the attaches in flight, during a turn: attach-run.h */
	VfRefusals vf_refusals;	/* VF policies the NIC refused: vf-policy-run.h */
} Daemon;

enum {
	DAEMON_DRY_RUN = 1 << 0,
	DAEMON_CHECK_ONLY = 1 << 1,	 /* the configuration only: no lock, no journal */
	DAEMON_DISCARD_JOURNAL = 1 << 2, /* set aside a journal that cannot be read */
};

/* Load the configuration and, unless DAEMON_CHECK_ONLY, claim the state
 * directory and read the journal (daemon_claim()).  Every failure is
 * logged; -ENOMEM aside, each is one the operator must fix (exit 2). */
int daemon_new(const char *config_path, const char *ctl_path, unsigned flags, Daemon **ret);
/* daemon-start.c: take the state directory's lock (a dry run only checks
 * it), check the socket's path is not someone else's, read the journal. */
int daemon_claim(Daemon *d, unsigned flags);
/* Runs until SIGTERM/SIGINT; returns 0 or a negative errno. */
int daemon_run(Daemon *d);
void daemon_free(Daemon *d);

/* Ask for a reconcile soon (coalesced). */
void daemon_schedule(Daemon *d);
/* Say on the control socket what the main loop does next, before work
 * that may block (a libvirt call, a kernel write); the loop clears it when
 * it goes back to waiting.  Nothing without a control socket. */
void daemon_busy(Daemon *d, const char *fmt, ...) _printf_(2, 3);

/* reconcile.c: observe, decide, act; logs what it does.  Returns 0 when
 * the plan was applied (or logged, in dry-run), negative on failure. */
int daemon_reconcile(Daemon *d);
/* reconcile.c: give back what the journal says is ours (on_stop=revert). */
int daemon_revert(Daemon *d);
