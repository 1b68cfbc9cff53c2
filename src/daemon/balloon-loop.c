/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <libvirt/libvirt.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/balloon-loop-internal.h"
#include "host/psi.h"

/* Only fds that live as long as the thread: psi_fd, wake_fd, stop_fd. */
static void *wait_thread(void *arg)
{
	BalloonLoop *l = arg;
	struct pollfd p[2] = { { .fd = l->psi_fd, .events = POLLPRI }, { .fd = l->stop_fd, .events = POLLIN } };
	uint64_t one = 1;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			return NULL;
		if (p[0].revents & (POLLERR | POLLNVAL | POLLHUP))
			break;
		if (p[0].revents & POLLPRI)
			(void)!write(l->wake_fd, &one, sizeof(one));
	}
	atomic_store(&l->trigger_lost, true);
	(void)!write(l->wake_fd, &one, sizeof(one));
	return NULL;
}

void balloon_loop_arm(BalloonLoop *l, bool want)
{
	if (l->timer < 0)
		return;
	/* Without a trigger to wait for, the timer is the only way to see
	 * pressure: it runs as long as [balloon] is on. */
	if (l->psi_fd < 0 || atomic_load(&l->trigger_lost))
		want = true;
	virEventUpdateTimeout(l->timer, want && l->running ? (int)(l->ctx->config->balloon.interval_us / 1000) : -1);
}

static void on_timer(int timer, void *opaque)
{
	BalloonLoop *l = opaque;

	daemon_ctx_busy(l->ctx, "balloon: sampling memory pressure and guests' balloons");
	(void)balloon_loop_sample(l);
}

static void on_wake(int watch, int fd, int events, void *opaque)
{
	BalloonLoop *l = opaque;
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
	if (atomic_load(&l->trigger_lost) && l->psi_fd >= 0) {
		log_warning("balloon: the PSI trigger on /proc/pressure/memory went away; sampling every %" PRIu64 " s",
			    l->ctx->config->balloon.interval_us / 1000000);
		balloon_loop_arm(l, true);
	}
	l->triggered_us = now_monotonic_us();
	daemon_ctx_busy(l->ctx, "balloon: memory pressure trigger fired");
	(void)balloon_loop_sample(l);
}

static int trigger_open(BalloonLoop *l)
{
	int r;

	uint64_t stall = (uint64_t)(l->ctx->config->balloon.params.psi_some_high / 100 * TRIGGER_WINDOW_US);

	if (stall < 1000)
		stall = 1000;
	r = psi_trigger_open(PSI_SOME, stall, TRIGGER_WINDOW_US, &l->psi_fd);
	if (r == -EINVAL)
		r = psi_trigger_open(PSI_SOME, 2 * stall, 2 * TRIGGER_WINDOW_US, &l->psi_fd);
	if (r < 0) {
		l->psi_fd = -1;
		log_info("balloon: no PSI trigger on /proc/pressure/memory (%s); sampling every %" PRIu64 " s",
			 strerror(-r), l->ctx->config->balloon.interval_us / 1000000);
		return 0;
	}
	l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (l->wake_fd < 0 || l->stop_fd < 0)
		return negative_errno();
	l->wake_watch = virEventAddHandle(l->wake_fd, VIR_EVENT_HANDLE_READABLE, on_wake, l, NULL);
	if (l->wake_watch < 0)
		return -ENOMEM;
	r = -pthread_create(&l->thread, NULL, wait_thread, l);
	if (r < 0)
		return r;
	l->thread_started = true;
	log_info("balloon: waiting on the PSI trigger of /proc/pressure/memory");
	return 0;
}

static void stop(BalloonLoop *l)
{
	uint64_t one = 1;

	if (l->thread_started) {
		(void)!write(l->stop_fd, &one, sizeof(one));
		pthread_join(l->thread, NULL);
		l->thread_started = false;
	}
	if (l->wake_watch >= 0)
		virEventRemoveHandle(l->wake_watch);
	if (l->timer >= 0)
		virEventRemoveTimeout(l->timer);
	closep(&l->psi_fd);
	closep(&l->wake_fd);
	closep(&l->stop_fd);
	l->psi_fd = l->wake_fd = l->stop_fd = l->wake_watch = l->timer = -1;
	atomic_store(&l->trigger_lost, false);
	l->running = false;
}

static int start(BalloonLoop *l)
{
	int r;

	l->timer = virEventAddTimeout(-1, on_timer, l, NULL);
	if (l->timer < 0)
		return -ENOMEM;
	r = trigger_open(l);
	if (r < 0)
		return r;
	l->running = true;
	/* A first look: guests a previous run left small, stats periods. */
	virEventUpdateTimeout(l->timer, 0);
	return 0;
}

int balloon_loop_new(const DaemonContext *ctx, BalloonLoop **ret)
{
	BalloonLoop *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	*l = (BalloonLoop){ .ctx = ctx, .timer = -1, .psi_fd = -1, .wake_fd = -1, .stop_fd = -1, .wake_watch = -1 };
	r = balloon_policy_state_new(&l->state);
	if (r >= 0 && ctx->config->balloon.enabled)
		r = start(l);
	if (r < 0) {
		balloon_loop_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void balloon_loop_reconfigure(BalloonLoop *l)
{
	int r;

	stop(l);
	if (!l->ctx->config->balloon.enabled) {
		json_object_put(l->status);
		l->status = NULL;
		return;
	}
	r = start(l);
	if (r < 0)
		log_error_errno(r, "balloon: starting after the reload: %m");
}

void balloon_loop_free(BalloonLoop *l)
{
	if (!l)
		return;
	stop(l);
	balloon_policy_state_free(l->state);
	strv_free(l->period_set);
	strv_free(l->skip_logged);
	for (size_t i = 0; i < l->n_targets; i++)
		free(l->targets[i].name);
	free(l->targets);
	json_object_put(l->status);
	free(l);
}

json_object *balloon_loop_status(const BalloonLoop *l)
{
	return l && l->status ? json_object_get(l->status) : NULL;
}
