/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "basic/pci-addr.h"
#include "core/numvfs-retry.h"
#include "core/plan.h"
#include "daemon/apply.h"
#include "daemon/observe.h"

/*
 * What kvmnetd remembers of each PF between turns besides its journal:
 * the numvfs writes the kernel refused (core/numvfs-retry.h decides what
 * comes next: a retry after a backoff, the fallback to what the VMs need,
 * or giving that count up) and how long its numvfs changes and vfio-pci
 * binds took, for `kvmnetctl status` and /metrics.  In memory only: after
 * a restart a refused count is tried once more.
 */
typedef struct PfRecord {
	PciAddr addr;
	NumvfsRetry retry;
	bool numvfs_timed;	/* a numvfs change was made and timed */
	uint64_t numvfs_us;	/* how long the last one took */
	unsigned numvfs_to;	/* the count it set */
	unsigned binds;		/* vfio-pci binds timed */
	uint64_t bind_last_us, bind_max_us;
} PfRecord;

typedef struct PfRecords {
	PfRecord *v;
	size_t n;
} PfRecords;

void pf_records_free(PfRecords *r);
const PfRecord *pf_records_find(const PfRecords *r, const PciAddr *addr);

/* plan_decide() with what the kernel refused: each PF's refused count
 * (plan.h K2), and a hold (K1) on every PF whose plan would write a count
 * numvfs_retry_allows() forbids now, deciding again until none does. */
int pf_records_decide(const PfRecords *r, Observation *o, uint64_t now_mono_us, Plan **ret);

/* After action a was carried out (r: its result, out: the engine's part):
 * a SET_NUMVFS or BIND_VFIO is timed, a numvfs write that failed is
 * remembered and what comes next logged.  -ENOMEM only. */
int pf_records_action(PfRecords *r, const Observation *o, const PlanAction *a, const ApplyOutcome *out,
		      uint64_t now_mono_us);

/* Milliseconds until the first retry is due (0: now), or -1 for none. */
int pf_records_retry_ms(const PfRecords *r, uint64_t now_mono_us);

/* The record's keys into a PF of the status view (null values without
 * one): the durations, the refused count and the remembered failure. */
void pf_record_add_json(const PfRecord *rec, json_object *pf, uint64_t now_mono_us);
