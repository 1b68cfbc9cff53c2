/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "basic/inet-addr.h"
#include "core/metrics.h"

/*
 * kvmnetd's /metrics over HTTP ([metrics] listen), served by
 * libmicrohttpd's own thread so that a scrape is answered whatever the
 * main loop is doing, and a scraper that stalls never holds the loop.
 * Like the control socket (ctl-server.h), the thread and the loop share
 * one pointer behind a mutex held only to swap or reference it: the last
 * snapshot the loop published, immutable and reference-counted.  A
 * scrape formats that snapshot; the only thing it reads afresh is the
 * PFs' per-VF traffic counters, one rtnetlink request per PF with a
 * netdev (bounded by a 1 s timeout), so that counters move between the
 * loop's turns, which an idle host does not have.  No libvirt call and
 * no sysfs read happen on the request path.
 */
typedef struct MetricsServer MetricsServer;

/* Bind and listen at addr (-EADDRINUSE and the like from bind(2)), then
 * start the thread. */
int metrics_server_start(const InetAddr *addr, MetricsServer **ret);
/* Stop and join the thread, close the socket.  Takes NULL. */
void metrics_server_free(MetricsServer *s);
/* Publish a copy of snap (the caller keeps its own); s may be NULL. */
int metrics_server_publish(MetricsServer *s, const MetricsSnapshot *snap);
/* The reply to GET /metrics: the last snapshot with fresh traffic
 * counters, as text.  What the thread sends; exposed for tests. */
int metrics_server_render(MetricsServer *s, char **ret, size_t *ret_len);
