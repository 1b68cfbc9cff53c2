/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How big each guest's memory balloon should be.  Pure: the caller samples
 * the host's memory pressure and every managed guest's balloon statistics,
 * passes them in, applies the changes that come out and samples again.
 * Sizes are KiB, as libvirt gives them; times are microseconds of a
 * monotonic clock the caller reads.
 *
 * Rules it keeps:
 * - A guest is touched only when it did not opt out, has a balloon driver,
 *   its statistics are known and fresher than stats_max_age_us, and its
 *   maximum is known.  Anything unknown leaves that guest as it is.
 * - The host is under pressure when PSI "some" avg10 reaches psi_some_high
 *   or "full" avg10 reaches psi_full_high (or, without PSI, MemAvailable
 *   falls below avail_low of MemTotal); it has recovered only when they
 *   are back below psi_some_low / psi_full_low (above avail_high).  With
 *   PSI, MemAvailable is not a pressure signal (a host whose guests filled
 *   their memory runs with little available and no stall).
 *   Memory is taken only on a sample that shows pressure and given back
 *   only on a calm one; in the band between (PSI averages decaying after
 *   memory was taken) and on an unknown host only short guests change.
 * - A guest is short when what it can still use (usable, else unused) is
 *   below guest_low of its size, or it swapped in since the last sample
 *   with less than guest_ok of its size usable; it stays short until
 *   usable is above guest_ok.  A short guest is grown first, even under
 *   host pressure: to what it uses plus two margins (at least one step),
 *   never above its maximum, and it is never shrunk while short.  Grown
 *   (for any reason), it is not grown for being short again until its
 *   balloon got there (actual_kib, when known, within a MiB of the size)
 *   and statistics taken after that arrived: a guest whose balloon is
 *   still on its way up, or whose statistics predate the grow, looks as
 *   short as before, and growing it again gives away what the host may
 *   need.
 * - Under host pressure every other guest gives one step (step_share of
 *   its maximum), or with PSI one per whole multiple of the threshold that
 *   some or full avg10 shows, at most four (a host stalling hard needs
 *   more back), largest usable memory first, never below its floor:
 *   what it uses (available - usable) plus margin_kib, and never below
 *   min_share of its maximum.  When the host's shortfall is known
 *   (MemAvailable), taking stops once avail_high is reached again.
 * - A guest shrinks at most once per pace_us: PSI's avg10 lags behind what
 *   was already given back.
 * - Once recovered, guests below their original size grow back, the most
 *   squeezed (lowest usable share) first.  When MemAvailable is known, a
 *   sample gives at most half of what is available above a reserve
 *   (avail_high without PSI, avail_low with it), each guest as much of it
 *   as it lacks in one change (given back in steps, a guest is changed
 *   again and again for nothing); without it, one step per guest.
 * - A guest changed in one direction is not changed in the other for
 *   hold_us (a short guest excepted: it is always grown), and changes
 *   smaller than min_change_kib are not made, so nothing flaps.
 */

typedef struct BalloonParams {
	double psi_some_high, psi_some_low; /* 10, 2: percent, avg10 */
	double psi_full_high, psi_full_low; /* 5, 0.5 */
	double avail_low, avail_high;	    /* 0.10, 0.20: of MemTotal, without PSI */
	double min_share;		    /* 0.5: never below this share of maximum */
	uint64_t margin_kib;		    /* 262144: floor = used + margin */
	double step_share;		    /* 0.10 of maximum per step */
	double guest_low, guest_ok;	    /* 0.10, 0.25: usable share of size */
	uint64_t min_change_kib;	    /* 32768 */
	uint64_t hold_us;		    /* 60 s between opposite changes */
	uint64_t pace_us;		    /* 10 s between two shrinks of a guest (PSI avg10 lags) */
	uint64_t stats_max_age_us;	    /* 30 s: older statistics are unknown */
} BalloonParams;

void balloon_params_default(BalloonParams *p);
/* -EINVAL with the offending field's name in *ret_field when inconsistent. */
int balloon_params_check(const BalloonParams *p, const char **ret_field);

#define BALLOON_UNKNOWN UINT64_MAX

/* One host sample.  NaN for a PSI value, or mem_total_kib 0, is unknown. */
typedef struct BalloonHost {
	uint64_t now_us;
	bool has_psi;
	double some_avg10, full_avg10;
	uint64_t mem_total_kib, mem_available_kib;
} BalloonHost;

/* One guest sample; BALLOON_UNKNOWN for a figure the guest did not give. */
typedef struct BalloonGuest {
	const char *name;
	uint64_t current_kib;	/* the balloon's size (libvirt "actual", or a target still on its way) */
	uint64_t actual_kib;	/* where the balloon is now; 0 or UNKNOWN: current_kib */
	uint64_t max_kib;	/* its maximum memory */
	uint64_t original_kib;	/* its size before kvmnet changed it; UNKNOWN: max */
	uint64_t unused_kib;	/* the guest's MemFree */
	uint64_t available_kib; /* the guest's MemTotal */
	uint64_t usable_kib;	/* the guest's MemAvailable */
	uint64_t swap_in_kib, swap_out_kib, major_faults;
	uint64_t stats_age_us; /* how old the statistics are, at most */
	bool opted_out;
	bool has_driver; /* a <memballoon> that is not model none, and stats arrived */
} BalloonGuest;

typedef enum BalloonReason {
	BALLOON_GUEST_SHORT,   /* its own free memory ran low: grown */
	BALLOON_HOST_PRESSURE, /* the host is under pressure: shrunk */
	BALLOON_HOST_RECOVERED, /* the host recovered: grown back */
} BalloonReason;

const char *balloon_reason_to_string(BalloonReason r);

typedef struct BalloonChange {
	size_t guest; /* index into the input */
	uint64_t from_kib, to_kib;
	uint64_t floor_kib; /* the floor it was held to */
	uint64_t usable_kib;
	BalloonReason reason;
} BalloonChange;

/* Why a guest is not considered, for status; NULL when it is. */
const char *balloon_guest_skip_reason(const BalloonParams *p, const BalloonGuest *g);

/*
 * The lowest size the guest may be given: used + margin, at least
 * min_share of maximum, at most maximum.  -ENODATA when the statistics
 * needed (maximum, available, usable or unused) are unknown.
 */
int balloon_floor(const BalloonParams *p, const BalloonGuest *g, uint64_t *ret_kib);

/* Hysteresis memory across samples, per guest name. */
typedef struct BalloonPolicyState BalloonPolicyState;

int balloon_policy_state_new(BalloonPolicyState **ret);
void balloon_policy_state_free(BalloonPolicyState *s);
/* Whether the host was under pressure at the last decision. */
bool balloon_policy_host_pressure(const BalloonPolicyState *s);

/*
 * One sample.  The changes come back malloc'd (NULL when none), in the
 * order they should be applied (grows of short guests first), and are
 * recorded in s as done.  -EINVAL for bad params.
 */
int balloon_policy_decide(BalloonPolicyState *s, const BalloonParams *p, const BalloonHost *h,
			  const BalloonGuest *g, size_t n, BalloonChange **ret, size_t *ret_n);

static inline void balloon_policy_state_freep(BalloonPolicyState **s)
{
	balloon_policy_state_free(*s);
}
#define _cleanup_balloon_policy_state_ __attribute__((cleanup(balloon_policy_state_freep)))
