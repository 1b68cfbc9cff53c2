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
/* The trigger of the kernel's psi.rst example; unprivileged (a container
 * without CAP_SYS_RESOURCE) the window must be a multiple of 2 s. */
#define TRIGGER_STALL_US 150000ULL
#define TRIGGER_WINDOW_US 1000000ULL

struct BalloonLoop {
	Daemon *d;
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
};

/* Arm the timer when want (a guest below its size, host pressure) or
 * when there is no trigger to wait for; disarm otherwise. */
void balloon_loop_arm(BalloonLoop *l, bool want);
