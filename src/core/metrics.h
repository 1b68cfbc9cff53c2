/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/irq-placement.h"
#include "core/plan.h"
#include "model/prom-text.h"
#include "model/vf-stats.h"

/*
 * What kvmnetd shows Prometheus: a snapshot the main loop fills after
 * each turn, and its text in the exposition format.  Pure: the daemon
 * fills it from its observation, its plan and its counters
 * (daemon/metrics.c), the HTTP thread formats a published copy.  The
 * metric names, their labels and their meaning are in kvmnetd(8).
 */

typedef enum MetricsSplit {
	METRICS_SPLIT_UNKNOWN, /* libvirt unreachable or not observed yet */
	METRICS_SPLIT_INACTIVE,
	METRICS_SPLIT_ACTIVE,
	_METRICS_SPLIT_MAX,
} MetricsSplit;

/* Who holds a VF, as kvmnet_pf_vfs{holder=} and kvmnet_vf_info say. */
typedef enum MetricsHolder {
	METRICS_HOLDER_FREE,   /* no domain, no host driver: a spare */
	METRICS_HOLDER_KVMNET, /* attached by kvmnetd */
	METRICS_HOLDER_DOMAIN, /* a domain kvmnetd did not give it to */
	METRICS_HOLDER_HOST,   /* bound to a host driver (igbvf...) */
	_METRICS_HOLDER_MAX,
} MetricsHolder;

typedef struct MetricsPf {
	char *name;   /* as configured */
	char *addr;   /* PCI address; "" when it cannot be found this turn */
	char *netdev; /* NULL when it has none: no traffic counters */
	/* Unknown this turn (plan.h U*): its counts below are not known and
	 * are left out, rather than shown as 0. */
	bool unknown;
	unsigned totalvfs, numvfs, numvfs_wanted;
	bool split_by_kvmnet;
	unsigned vfs[_METRICS_HOLDER_MAX];
	/* How long kvmnetd's last numvfs change and its vfio-pci binds of
	 * the PF's VFs took, seconds, when it made any. */
	bool numvfs_timed, bind_timed;
	double numvfs_change_seconds, vfio_bind_seconds, vfio_bind_max_seconds;
	/* A numvfs write the PF refused, while kvmnetd remembers it: the
	 * count, the errno's name and what comes next (static strings;
	 * failed_error NULL: none). */
	unsigned numvfs_failed;
	const char *numvfs_failed_error, *numvfs_failed_next;
	/* The count the PF refused for want of resources, kept below (the
	 * fallback), and the errno's name; NULL: none. */
	unsigned numvfs_refused;
	const char *numvfs_refused_error;
} MetricsPf;

typedef struct MetricsVf {
	size_t pf; /* index in MetricsSnapshot.pfs */
	unsigned index;
	char *addr;   /* PCI address */
	char *domain; /* the domain holding it, NULL when none */
	MetricsHolder holder;
} MetricsVf;

/* A guest's memory balloon, as kvmnetd's [balloon] last saw it. */
typedef struct MetricsBalloon {
	char *domain;
	uint64_t current_kib, max_kib, original_kib; /* UINT64_MAX: unknown */
	bool left_alone; /* no statistics, opted out...: never ballooned */
} MetricsBalloon;

/* An attach kvmnetd has asked libvirt for and not had the answer to
 * ([sriov] parallel_attach: several at once). */
typedef struct MetricsAttach {
	char *domain;
	char *pf; /* the PF's name as configured */
	unsigned vf;
	double started; /* wall clock, seconds since the epoch */
} MetricsAttach;

/* Bounds of the histograms, seconds. */
#define METRICS_TURN_BOUNDS 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
#define METRICS_ATTACH_BOUNDS 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300

typedef struct MetricsSnapshot {
	const char *version; /* static */
	bool dry_run;
	MetricsSplit split;
	unsigned threshold, vfs_per_vm;
	unsigned m1, n1, spare; /* when split is known */
	MetricsPf *pfs;
	size_t n_pfs;
	MetricsVf *vfs;
	size_t n_vfs;
	unsigned waiting[_PLAN_WAIT_MAX]; /* VMs per reason; [PLAN_WAIT_NONE] unused */
	uint64_t applied[_PLAN_ACTION_MAX], failed[_PLAN_ACTION_MAX]; /* [PLAN_WAIT] unused */
	PromHistogram turn_seconds, start_to_attach_seconds;
	uint64_t turns_failed;
	uint64_t irq_moves[IRQ_MOVE_BUSY + 1]; /* by IrqMoveReason */
	bool libvirt_connected;
	uint64_t libvirt_reconnects;
	/* [balloon]: shown only when it is configured.  Set apart from the
	 * turn's values (metrics_snapshot_clear() keeps them). */
	bool balloon_enabled;
	bool memory_pressure;
	uint64_t balloon_changes;
	MetricsBalloon *balloons;
	size_t n_balloons;
	/* The attaches in flight; kept apart from the turn's values too
	 * (metrics_snapshot_clear_attaching()). */
	unsigned parallel_attach; /* the limit */
	MetricsAttach *attaching;
	size_t n_attaching;
} MetricsSnapshot;

/* A snapshot with its histograms' bounds set and nothing observed. */
void metrics_snapshot_init(MetricsSnapshot *s);
/* Free what pfs and vfs own (not s itself) and empty them. */
void metrics_snapshot_clear(MetricsSnapshot *s);
/* Free the balloons and empty them. */
void metrics_snapshot_clear_balloons(MetricsSnapshot *s);
/* Free the attaches in flight and empty them. */
void metrics_snapshot_clear_attaching(MetricsSnapshot *s);
/* A deep copy into *ret (malloc'd); -ENOMEM. */
int metrics_snapshot_dup(const MetricsSnapshot *s, MetricsSnapshot **ret);
void metrics_snapshot_free(MetricsSnapshot *s);

/* The exposition text of s.  traffic (may be NULL) holds one entry per
 * s->vfs, in the same order: counters with mask 0 are unknown and left
 * out.  -ENOMEM; -EINVAL only for a bug (a bad name). */
int metrics_format(const MetricsSnapshot *s, const VfStats *traffic, char **ret, size_t *ret_len);

const char *metrics_holder_to_string(MetricsHolder h);
const char *metrics_split_to_string(MetricsSplit s);
