/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "deadline.h"

uint64_t now_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t now_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t deadline_after_us(uint64_t timeout_us)
{
	uint64_t now = now_monotonic_us();

	if (timeout_us == 0 || timeout_us >= DEADLINE_NEVER - now)
		return DEADLINE_NEVER;
	return now + timeout_us;
}

typedef enum RunState {
	RUN_RUNNING,
	RUN_DONE,	/* fn returned in time; result is set */
	RUN_ABANDONED,	/* the waiter gave up; the thread cleans up */
} RunState;

/* Shared by the waiter and the thread until one of them lets go: the
 * waiter after a join, the thread when it finds itself abandoned. */
typedef struct Run {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	RunState state;
	int result;
	DeadlineFn fn;
	void *data;
	DeadlineAbandonFn abandon;
} Run;

static void run_free(Run *run)
{
	pthread_cond_destroy(&run->cond);
	pthread_mutex_destroy(&run->lock);
	free(run);
}

static void *run_thread(void *p)
{
	Run *run = p;
	int r = run->fn(run->data);
	bool abandoned;

	pthread_mutex_lock(&run->lock);
	abandoned = run->state == RUN_ABANDONED;
	if (!abandoned) {
		run->result = r;
		run->state = RUN_DONE;
		pthread_cond_signal(&run->cond);
	}
	pthread_mutex_unlock(&run->lock);
	/* Abandoned: nobody else holds run now (the waiter detached us). */
	if (abandoned) {
		if (run->abandon)
			run->abandon(run->data);
		run_free(run);
	}
	return NULL;
}

static int run_new(DeadlineFn fn, void *data, DeadlineAbandonFn abandon, Run **ret)
{
	pthread_condattr_t attr;
	Run *run = calloc(1, sizeof(*run));
	int r;

	if (!run)
		return -ENOMEM;
	*run = (Run){ .state = RUN_RUNNING, .fn = fn, .data = data, .abandon = abandon };
	r = pthread_condattr_init(&attr);
	if (r == 0) {
		r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		if (r == 0)
			r = pthread_cond_init(&run->cond, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (r != 0) {
		free(run);
		return -r;
	}
	pthread_mutex_init(&run->lock, NULL);
	*ret = run;
	return 0;
}

/* Every signal blocked in the new thread: a Ctrl-C handler, say, must run
 * in the main thread, not in one stuck in a library. */
static int start_thread(Run *run, pthread_t *ret)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(ret, NULL, run_thread, run);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}

int deadline_run(DeadlineFn fn, void *data, DeadlineAbandonFn abandon, uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000ULL),
		.tv_nsec = (long)(deadline % 1000000ULL) * 1000L,
	};
	pthread_t thread;
	bool abandoned;
	Run *run = NULL; /* gcc -O2 cannot see run_new() set it */
	int r;

	if (deadline == DEADLINE_NEVER)
		return fn(data);
	r = run_new(fn, data, abandon, &run);
	if (r < 0)
		return r;
	r = start_thread(run, &thread);
	if (r < 0) {
		run_free(run);
		return r;
	}
	pthread_mutex_lock(&run->lock);
	while (run->state == RUN_RUNNING)
		if (pthread_cond_timedwait(&run->cond, &run->lock, &ts) == ETIMEDOUT && run->state == RUN_RUNNING)
			run->state = RUN_ABANDONED;
	abandoned = run->state == RUN_ABANDONED;
	pthread_mutex_unlock(&run->lock);
	if (abandoned) {
		/* From the unlock on, run belongs to the thread: it may be
		 * gone already. */
		pthread_detach(thread);
		return -ETIMEDOUT;
	}
	pthread_join(thread, NULL);
	r = run->result;
	run_free(run);
	return r;
}
