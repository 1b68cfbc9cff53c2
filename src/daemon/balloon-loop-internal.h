/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Shared by balloon-loop.c (waking up) and balloon-sample.c (a sample). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/balloon-policy.h"
#include "daemon/balloon-loop.h"

#define KEY_PREFIX "balloon/"
/* The trigger's window, as in the kernel's psi.rst example; its stall is
 * [balloon] pressure's share of it (at least 1 ms), so that a second as
 * stalled as the pressure threshold wakes the daemon.  Unprivileged (a
 * container without CAP_SYS_RESOURCE) the window must be a multiple of 2 s. */
#define TRIGGER_WINDOW_US 1000000ULL
/* After a trigger, sample this long: avg10 lags behind the stall. */
#define AFTER_TRIGGER_US (30 * 1000000ULL)
/* A balloon on its way to a target set this recently counts as there:
 * the guest gives pages back at its own pace (slowly under TCG). */
#define TARGET_FRESH_US (120 * 1000000ULL)

typedef struct BalloonTarget {
	char *name;
	uint64_t kib, at_us;
} BalloonTarget;

struct BalloonLoop {
	const DaemonContext *ctx;
	bool running;	/* [balloon] is on: trigger or timer set up */
	int timer;	/* libvirt timeout; -1 when none */
	int psi_fd;	/* the trigger; -1 without PSI */
	int wake_fd;	/* eventfd the waiting thread writes */
	int stop_fd;	/* eventfd that ends the thread */
	int wake_watch; /* libvirt handle on wake_fd */
	pthread_t thread;
	bool thread_started;
	atomic_bool trigger_lost;
	BalloonPolicyState *state;
	char **period_set; /* names whose stats period was set (or tried) */
	char **skip_logged; /* "name: reason" already logged */
	json_object *status;
	uint64_t changes;
	uint64_t triggered_us; /* the last trigger; 0: none */
	BalloonTarget *targets; /* the last size set per guest */
	size_t n_targets;
};

/* Arm the timer when want (a guest below its size, host pressure) or
 * when there is no trigger to wait for; disarm otherwise. */
void balloon_loop_arm(BalloonLoop *l, bool want);
