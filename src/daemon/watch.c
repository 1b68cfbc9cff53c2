/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <libvirt/virterror.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "watch.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
/* Keepalive: a libvirtd that answers no ping for 5 x 3 s is dead. */
#define KEEPALIVE_INTERVAL_S 5
#define KEEPALIVE_COUNT 3

struct Watch {
	char *uri;
	watch_fn fn;
	void *userdata;
	virConnectPtr conn;
	int lifecycle_id, removed_id, metadata_id;
	int timer; /* reconnect timer, -1 when none */
	unsigned attempt;
	char *last_error;
	int closed; /* set by the close callback, acted on from the timer */
};

uint64_t watch_backoff_ms(unsigned attempt)
{
	uint64_t ms = BACKOFF_MIN_MS;

	for (unsigned i = 0; i < attempt && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
}

static void set_error(Watch *w)
{
	virErrorPtr e = virGetLastError();

	free(w->last_error);
	w->last_error = strdup(e && e->message ? e->message : "unknown libvirt error");
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
	Watch *w = opaque;

	w->fn(WATCH_LIFECYCLE, virDomainGetName(d), event, detail, w->userdata);
	return 0;
}

const char *watch_migration_event(int event, int detail)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
		return detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED
			       ? "started for an incoming migration: it gets nothing until it runs here"
			       : NULL;
	case VIR_DOMAIN_EVENT_SUSPENDED:
		if (detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED || detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY)
			return "paused for migration: it keeps what it holds and gets nothing";
		return detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED
			       ? "paused: its post-copy migration failed; left alone until libvirt recovers it"
			       : NULL;
	case VIR_DOMAIN_EVENT_RESUMED:
		/* on the destination when the migration is done, on the
		 * source when it failed or was cancelled */
		if (detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED)
			return "resumed after a migration (done here, or failed or cancelled on the source)";
		if (detail == VIR_DOMAIN_EVENT_RESUMED_POSTCOPY)
			return "running here in post-copy: the migration is not over";
		return detail == VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED
			       ? "running, but its post-copy migration failed; left alone until libvirt recovers it"
			       : NULL;
	case VIR_DOMAIN_EVENT_STOPPED:
		return detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED
			       ? "migrated to another host: the VFs kvmnetd gave it go back to the spares"
			       : NULL;
	default:
		return NULL;
	}
}

static void on_removed(virConnectPtr c, virDomainPtr d, const char *alias, void *opaque)
{
	Watch *w = opaque;

	w->fn(WATCH_DEVICE_REMOVED, virDomainGetName(d), 0, 0, w->userdata);
}

/* A policy change or an opt-out takes effect now, not at the next
 * lifecycle event; other tools' metadata wakes a turn too, which
 * changes nothing. */
static void on_metadata(virConnectPtr c, virDomainPtr d, int type, const char *nsuri, void *opaque)
{
	Watch *w = opaque;

	w->fn(WATCH_METADATA, virDomainGetName(d), type, 0, w->userdata);
}

static void on_close(virConnectPtr c, int reason, void *opaque)
{
	Watch *w = opaque;

	/* Tearing the connection down inside libvirt's own callback is not
	 * allowed; do it from the timer, right away. */
	w->closed = 1;
	virEventUpdateTimeout(w->timer, 0);
}

static void drop_connection(Watch *w)
{
	if (!w->conn)
		return;
	if (w->lifecycle_id >= 0)
		virConnectDomainEventDeregisterAny(w->conn, w->lifecycle_id);
	if (w->removed_id >= 0)
		virConnectDomainEventDeregisterAny(w->conn, w->removed_id);
	if (w->metadata_id >= 0)
		virConnectDomainEventDeregisterAny(w->conn, w->metadata_id);
	virConnectUnregisterCloseCallback(w->conn, on_close);
	virConnectClose(w->conn);
	w->conn = NULL;
	w->lifecycle_id = w->removed_id = w->metadata_id = -1;
}

static int try_connect(Watch *w)
{
	w->conn = virConnectOpen(w->uri);
	if (!w->conn)
		goto fail;
	w->lifecycle_id = virConnectDomainEventRegisterAny(w->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
							   VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w, NULL);
	w->removed_id = virConnectDomainEventRegisterAny(w->conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
							 VIR_DOMAIN_EVENT_CALLBACK(on_removed), w, NULL);
	if (w->lifecycle_id < 0 || w->removed_id < 0)
		goto fail;
	/* libvirt before 3.0 has no such event: turns then wait for the
	 * next lifecycle event, as before. */
	w->metadata_id = virConnectDomainEventRegisterAny(w->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
							  VIR_DOMAIN_EVENT_CALLBACK(on_metadata), w, NULL);
	if (w->metadata_id < 0)
		virResetLastError();
	if (virConnectRegisterCloseCallback(w->conn, on_close, w, NULL) < 0)
		goto fail;
	/* Local qemu:///system supports keepalive; the test driver does not,
	 * and a connection without it still works. */
	(void)virConnectSetKeepAlive(w->conn, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
	w->attempt = 0;
	free(w->last_error);
	w->last_error = NULL;
	return 0;
fail:
	set_error(w);
	drop_connection(w);
	return -EIO;
}

static void connect_or_retry(Watch *w)
{
	w->fn(WATCH_CONNECTING, NULL, 0, 0, w->userdata);
	if (try_connect(w) == 0) {
		virEventUpdateTimeout(w->timer, -1);
		w->fn(WATCH_CONNECTED, NULL, 0, 0, w->userdata);
		return;
	}
	/* Debug only: with libvirtd down for hours this repeats every 30 s;
	 * the daemon says once, at info, that the connection went away. */
	log_debug("Connecting to %s failed: %s; next attempt in %llu ms", w->uri,
		  w->last_error ? w->last_error : "?", (unsigned long long)watch_backoff_ms(w->attempt));
	virEventUpdateTimeout(w->timer, (int)watch_backoff_ms(w->attempt));
	if (w->attempt < 32)
		w->attempt++;
}

static void on_timer(int timer, void *opaque)
{
	Watch *w = opaque;

	if (w->closed) {
		w->closed = 0;
		drop_connection(w);
		w->fn(WATCH_DISCONNECTED, NULL, 0, 0, w->userdata);
	}
	connect_or_retry(w);
}

int watch_new(const char *uri, watch_fn fn, void *userdata, Watch **ret)
{
	Watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->uri = strdup(uri);
	if (!w->uri) {
		free(w);
		return -ENOMEM;
	}
	w->fn = fn;
	w->userdata = userdata;
	w->lifecycle_id = w->removed_id = w->metadata_id = -1;
	w->timer = virEventAddTimeout(-1, on_timer, w, NULL);
	if (w->timer < 0) {
		free(w->uri);
		free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

int watch_start(Watch *w)
{
	connect_or_retry(w);
	return 0;
}

virConnectPtr watch_conn(const Watch *w)
{
	return w->closed ? NULL : w->conn;
}

const char *watch_last_error(const Watch *w)
{
	return w->last_error;
}

void watch_free(Watch *w)
{
	if (!w)
		return;
	drop_connection(w);
	if (w->timer >= 0)
		virEventRemoveTimeout(w->timer);
	free(w->last_error);
	free(w->uri);
	free(w);
}
