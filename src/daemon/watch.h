/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <libvirt/libvirt.h>

/*
 * The daemon's eye on libvirt: one connection, lifecycle and device-removal
 * events, keepalive, and reconnection with backoff when libvirtd goes away.
 *
 * Every event ends in the same callback.  The daemon reconciles from a fresh
 * full read of libvirt and the kernel each time, so an event only says
 * "look again" (and which domain, for the log); missing one while
 * disconnected loses nothing, because WATCH_CONNECTED asks for a full
 * resync.  Needs virEventRegisterDefaultImpl() to have run.
 */
typedef enum WatchReason {
	WATCH_CONNECTING,     /* about to connect (may block): no resync yet */
	WATCH_CONNECTED,      /* (re)connected: resync everything */
	WATCH_DISCONNECTED,   /* libvirtd went away; reconnecting */
	WATCH_LIFECYCLE,      /* a domain started, stopped, crashed, ... */
	WATCH_DEVICE_REMOVED, /* a detach finished in the guest */
	WATCH_METADATA,	      /* a domain's metadata changed (event: its VIR_DOMAIN_METADATA_*) */
} WatchReason;

/* event and detail: a lifecycle event's VIR_DOMAIN_EVENT_* and its
 * detail (VIR_DOMAIN_EVENT_STOPPED_MIGRATED...); 0 for the others. */
typedef void (*watch_fn)(WatchReason reason, const char *domain, int event, int detail, void *userdata);

typedef struct Watch Watch;

int watch_new(const char *uri, watch_fn fn, void *userdata, Watch **ret);
/* Connect now, or arm the retry timer; 0 either way unless out of memory. */
int watch_start(Watch *w);
/* NULL while disconnected.  Borrowed: valid until the next event. */
virConnectPtr watch_conn(const Watch *w);
/* Last connection error, or NULL; for status. */
const char *watch_last_error(const Watch *w);
void watch_free(Watch *w);

/* What a lifecycle event says of a live migration, for the log
 * ("migrated to another host: the VFs it held go back to the spares"),
 * or NULL when it says nothing of one. */
const char *watch_migration_event(int event, int detail);

/* Delay before reconnect attempt n (0-based): 1 s doubling to 30 s. */
uint64_t watch_backoff_ms(unsigned attempt);
