/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What kvmnetd tries after a write to a PF's sriov_numvfs fails, pure:
 * the failure (the count tried, the errno, the clock) in, the next step
 * out, kept per PF in a NumvfsRetry between turns.
 *
 * The emulated igb never refuses a count, real NICs do: ENOSPC or ENOMEM
 * when the PF runs out of MSI-X vectors or queues for that many VFs (ice
 * on a host with many CPUs), ERANGE or EINVAL for a count the device or
 * its firmware does not take, EBUSY while a VF is still in reset, EAGAIN.
 * The rules:
 * - R1 transient (EBUSY, EAGAIN, EINTR): the same count again, not before
 *   a backoff that doubles from NUMVFS_RETRY_FIRST_US, for at most
 *   NUMVFS_RETRY_MAX writes in a row; then it is given up as in R3.
 * - R2 too many (ENOSPC, ENOMEM, ERANGE, EINVAL) on a count above what
 *   the VMs need on that PF (the headroom): the fallback.  The count is
 *   remembered as refused: the plan never asks that many again and drops
 *   the headroom (PlanPf.numvfs_refused), so the next turn asks only what
 *   the VMs need.
 * - R3 anything else, or R2 on a count the VMs need: given up.  That
 *   count is never written again on that PF (the plan holds the PF,
 *   PlanPf.numvfs_hold) until the count wanted changes (VMs come or go)
 *   or kvmnetd restarts.
 * A success forgets the failure; a refused count stays (the NIC does not
 * grow vectors by itself) unless a count as high succeeds.
 */

#include <stdbool.h>
#include <stdint.h>

/* R1: writes of one count in a row, and the first wait (1 s, 2 s, 4 s, 8 s). */
#define NUMVFS_RETRY_MAX 5
#define NUMVFS_RETRY_FIRST_US 1000000ULL

typedef enum NumvfsErrorKind {
	NUMVFS_ERROR_TRANSIENT, /* R1 */
	NUMVFS_ERROR_TOO_MANY,	/* R2 */
	NUMVFS_ERROR_PERMANENT, /* R3 */
} NumvfsErrorKind;

typedef enum NumvfsNext {
	NUMVFS_NEXT_NONE,     /* no failure remembered */
	NUMVFS_NEXT_RETRY,    /* R1: the same count at retry_at_us */
	NUMVFS_NEXT_FALLBACK, /* R2: what the VMs need, at once */
	NUMVFS_NEXT_GIVE_UP,  /* R3: not that count again */
} NumvfsNext;

typedef struct NumvfsRetry {
	/* R2: the lowest count refused for want of resources (0: none),
	 * and the negative errno it was refused with. */
	unsigned refused;
	int refused_error;
	/* The last failed write, while it counts (next != NONE). */
	NumvfsNext next;
	unsigned count;	      /* the count it tried */
	int error;	      /* its negative errno */
	unsigned attempts;    /* failed writes of count in a row */
	uint64_t retry_at_us; /* R1: not before then (any monotonic clock) */
	unsigned need;	      /* what the VMs needed on the PF then */
} NumvfsRetry;

NumvfsErrorKind numvfs_error_kind(int error);

/* The wait before the attempts+1-th write of a count (attempts >= 1). */
uint64_t numvfs_retry_backoff_us(unsigned attempts);

/* A write of count failed with error (negative errno) at now_us, while
 * the VMs needed `need` VFs on the PF.  Updates s; returns s->next. */
NumvfsNext numvfs_retry_failed(NumvfsRetry *s, unsigned count, unsigned need, int error, uint64_t now_us);

/* A write of count succeeded. */
void numvfs_retry_succeeded(NumvfsRetry *s, unsigned count);

/* Whether a write of count may be made at now_us: not one given up, nor
 * a transient one before its time. */
bool numvfs_retry_allows(const NumvfsRetry *s, unsigned count, uint64_t now_us);

/* When a turn should come to make the retry (R1); 0: none is due. */
uint64_t numvfs_retry_wakeup(const NumvfsRetry *s);

/* "retrying", "fell-back", "given-up": for JSON and metrics labels; NULL
 * for NUMVFS_NEXT_NONE. */
const char *numvfs_next_to_string(NumvfsNext n);
