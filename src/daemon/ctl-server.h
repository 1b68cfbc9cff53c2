/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

/*
 * kvmnetd's control socket served from a thread of its own, so that
 * `kvmnetctl status` is answered within its 1 s timeout whatever the main
 * loop is doing: a libvirt call that waits for a guest to release a VF, a
 * reconnect to a libvirtd that does not answer, a slow sysfs read.
 *
 * The thread owns the listening socket and shares two things with the main
 * loop, both behind one mutex held only to swap a pointer or copy a short
 * line, never across a call that can block:
 *   the view  the status JSON text, immutable once published and
 *             reference-counted: a reply holds a reference, so a view
 *             replaced meanwhile is freed by whoever drops the last one;
 *   busy      what the main loop is doing and since when (CLOCK_MONOTONIC),
 *             set before work that may block and cleared when the loop goes
 *             back to waiting; a reply says how long it has been going.
 * The thread never calls libvirt and never reads the daemon's own state.
 * Every request the socket carries only reads ("status"), so none has to
 * wait for the main loop.  A request that acts would be handed to the main
 * loop (an eventfd it polls) and answered "queued", never waited on here.
 *
 * The thread blocks in poll() on the socket, an eventfd that stops it and
 * its clients: an idle daemon still has no wakeups.  Clients are served
 * side by side, non-blocking, each with a deadline (ctl-conn.h), so none
 * delays another's answer or the daemon's stop.
 */
typedef struct CtlServer CtlServer;

/* The reply before the first view is published. */
#define CTL_VIEW_STARTING "{\"mode\":\"starting\"}"
/* Longer busy lines are cut (they are one action's log line). */
#define CTL_BUSY_MAX 512

/* Listen at path (ctl_listen(): a stale socket replaced, mode 0600) and
 * start the thread; only allowed_uid is served (0 in the daemon). */
int ctl_server_start(const char *path, uid_t allowed_uid, CtlServer **ret);
/* Stop and join the thread (at once: it waits for no client), close the
 * socket and unlink it if it is still the one bound, free the view.
 * Takes NULL. */
void ctl_server_free(CtlServer *s);

/* Publish a new view: the object's text from now on (the object stays
 * the caller's).  -EINVAL when it is not an object; -ENOMEM.  s may be
 * NULL (no socket: nothing to do). */
int ctl_server_publish(CtlServer *s, json_object *view);
/* The main loop is about to do `what` (NULL: back to waiting), from
 * now_us on (CLOCK_MONOTONIC, now_monotonic_us() of basic/deadline.h).
 * s may be NULL. */
void ctl_server_set_busy(CtlServer *s, const char *what, uint64_t now_us);

/* The reply to "status" at now_us: the last view with "busy" added,
 * {"doing": WHAT, "for_ms": N} or null.  What the thread sends. */
int ctl_server_reply(CtlServer *s, uint64_t now_us, char **ret_reply);
