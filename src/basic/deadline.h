/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * Waiting for work that may never end, with a deadline.  For a library
 * call that cannot be interrupted or given a timeout of its own (a libvirt
 * call to a libvirtd that accepted the connection and then stopped
 * answering): the work runs in a thread, the caller waits until the
 * deadline, and when it passes the thread is left behind, owning its data.
 * Meant for short-lived processes such as kvmnetctl, which exit soon after.
 */

#define DEADLINE_NEVER UINT64_MAX

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_monotonic_us(void);
/* CLOCK_REALTIME in microseconds: for times shown to people or kept
 * across a restart, never for intervals. */
uint64_t now_realtime_us(void);

/* The deadline timeout_us from now; 0 means no deadline (DEADLINE_NEVER). */
uint64_t deadline_after_us(uint64_t timeout_us);

typedef int (*DeadlineFn)(void *data);
/* Called in the abandoned thread, with the data, once fn has returned. */
typedef void (*DeadlineAbandonFn)(void *data);

/*
 * Run fn(data) and wait for it until deadline (CLOCK_MONOTONIC, µs).
 * DEADLINE_NEVER runs fn in the calling thread, exactly as a plain call.
 * Otherwise fn runs in a thread of its own, created with every signal
 * blocked (signals stay the main thread's), and:
 *  - returns what fn returned, if fn returned by the deadline; the thread
 *    has ended and data is the caller's again;
 *  - returns -ETIMEDOUT if not (a deadline already past included): the
 *    thread goes on, detached, and data is no longer the caller's: the
 *    caller must not touch it, nor anything fn may still use; when fn
 *    returns, the thread calls abandon(data) (if not NULL) and ends;
 *  - returns a negative errno if the thread cannot be made; fn did not
 *    run and data is still the caller's.
 * fn's result must be >= 0 or a negative errno other than -ETIMEDOUT for
 * the caller to tell them apart.
 */
int deadline_run(DeadlineFn fn, void *data, DeadlineAbandonFn abandon, uint64_t deadline);
