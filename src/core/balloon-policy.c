/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "balloon-policy.h"
#include "basic/macro.h"

#define TAKE_STEPS_MAX 4
/* A balloon this close to its size has got there (it moves in pages). */
#define ARRIVED_SLACK_KIB 1024

typedef struct GuestMemo {
	char *name;
	uint64_t grown_us, shrunk_us; /* last change each way; 0: never */
	/* After a grow: statistics taken before settled_us do not show it;
	 * rising while the balloon is still on its way up. */
	uint64_t settled_us;
	bool rising;
	uint64_t swap_in_kib;
	bool short_;
} GuestMemo;

struct BalloonPolicyState {
	bool pressure;
	GuestMemo *memo;
	size_t n_memo;
};

typedef struct Ctx {
	BalloonPolicyState *s;
	const BalloonParams *p;
	const BalloonHost *h;
	const BalloonGuest *g;
	size_t n;
	GuestMemo **memo;     /* per guest, NULL when the guest is skipped */
	size_t *memo_at;      /* per guest, index into s->memo */
	uint64_t *size;	      /* per guest, after the changes so far */
	BalloonChange *out;
	size_t n_out;
} Ctx;

void balloon_params_default(BalloonParams *p)
{
	*p = (BalloonParams){
		.psi_some_high = 10,
		.psi_some_low = 2,
		.psi_full_high = 5,
		.psi_full_low = 0.5,
		.avail_low = 0.10,
		.avail_high = 0.20,
		.min_share = 0.5,
		.margin_kib = 256 * 1024,
		.step_share = 0.10,
		.guest_low = 0.10,
		.guest_ok = 0.25,
		.min_change_kib = 32 * 1024,
		.hold_us = 60 * 1000000ULL,
		.pace_us = 10 * 1000000ULL,
		.stats_max_age_us = 30 * 1000000ULL,
	};
}

int balloon_params_check(const BalloonParams *p, const char **ret_field)
{
	const char *bad = NULL;

	if (!(p->psi_some_low >= 0 && p->psi_some_low <= p->psi_some_high && p->psi_some_high <= 100))
		bad = "psi_some";
	else if (!(p->psi_full_low >= 0 && p->psi_full_low <= p->psi_full_high && p->psi_full_high <= 100))
		bad = "psi_full";
	else if (!(p->avail_low >= 0 && p->avail_low <= p->avail_high && p->avail_high < 1))
		bad = "avail";
	else if (!(p->min_share >= 0 && p->min_share <= 1))
		bad = "min_share";
	else if (!(p->step_share > 0 && p->step_share <= 1))
		bad = "step_share";
	else if (!(p->guest_low >= 0 && p->guest_low <= p->guest_ok && p->guest_ok < 1))
		bad = "guest_low";
	if (!bad)
		return 0;
	if (ret_field)
		*ret_field = bad;
	return -EINVAL;
}

const char *balloon_reason_to_string(BalloonReason r)
{
	switch (r) {
	case BALLOON_GUEST_SHORT:
		return "guest-short";
	case BALLOON_HOST_PRESSURE:
		return "host-pressure";
	case BALLOON_HOST_RECOVERED:
		return "host-recovered";
	}
	return "?";
}

static uint64_t usable_of(const BalloonGuest *g)
{
	return g->usable_kib != BALLOON_UNKNOWN ? g->usable_kib : g->unused_kib;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int balloon_floor(const BalloonParams *p, const BalloonGuest *g, uint64_t *ret_kib)
{
	uint64_t usable = usable_of(g), used, floor;

	if (g->max_kib == BALLOON_UNKNOWN || g->max_kib == 0 || g->available_kib == BALLOON_UNKNOWN ||
	    usable == BALLOON_UNKNOWN)
		return -ENODATA;
	used = g->available_kib > usable ? g->available_kib - usable : 0;
	floor = max_u64(used + p->margin_kib, (uint64_t)(p->min_share * (double)g->max_kib));
	*ret_kib = min_u64(floor, g->max_kib);
	return 0;
}

const char *balloon_guest_skip_reason(const BalloonParams *p, const BalloonGuest *g)
{
	uint64_t floor;

	if (g->opted_out)
		return "opted out";
	if (!g->has_driver)
		return "no balloon driver";
	if (g->current_kib == BALLOON_UNKNOWN || g->current_kib == 0)
		return "balloon size unknown";
	if (g->stats_age_us == BALLOON_UNKNOWN || g->stats_age_us > p->stats_max_age_us)
		return "no recent statistics";
	if (balloon_floor(p, g, &floor) < 0)
		return "statistics incomplete";
	return NULL;
}

int balloon_policy_state_new(BalloonPolicyState **ret)
{
	*ret = calloc(1, sizeof(BalloonPolicyState));
	return *ret ? 0 : -ENOMEM;
}

void balloon_policy_state_free(BalloonPolicyState *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_memo; i++)
		free(s->memo[i].name);
	free(s->memo);
	free(s);
}

bool balloon_policy_host_pressure(const BalloonPolicyState *s)
{
	return s->pressure;
}

/* The index of name's memo, added when new; an index because adding may
 * move the array. */
static int memo_get(BalloonPolicyState *s, const char *name, size_t *ret)
{
	GuestMemo *m;

	for (size_t i = 0; i < s->n_memo; i++)
		if (streq(s->memo[i].name, name)) {
			*ret = i;
			return 0;
		}
	m = reallocarray(s->memo, s->n_memo + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	s->memo = m;
	m = &s->memo[s->n_memo];
	*m = (GuestMemo){ .name = strdup(name), .swap_in_kib = BALLOON_UNKNOWN };
	if (!m->name)
		return -ENOMEM;
	*ret = s->n_memo++;
	return 0;
}

/* 1: pressure, 0: recovered, -1: in the band between, -2: unknown. */
static int host_signal(const BalloonParams *p, const BalloonHost *h)
{
	bool known = false, high = false, calm = true;

	/* With PSI, MemAvailable says nothing about pressure: a host whose
	 * guests filled their memory runs at a few percent available without
	 * stalling. */
	if (h->has_psi) {
		if (isnan(h->some_avg10) || isnan(h->full_avg10))
			return -2;
		known = true;
		high = h->some_avg10 >= p->psi_some_high || h->full_avg10 >= p->psi_full_high;
		calm = h->some_avg10 < p->psi_some_low && h->full_avg10 < p->psi_full_low;
	} else if (h->mem_total_kib > 0 && h->mem_available_kib <= h->mem_total_kib) {
		double a = (double)h->mem_available_kib / (double)h->mem_total_kib;

		known = true;
		high = high || a < p->avail_low;
		calm = calm && a > p->avail_high;
	}
	if (!known)
		return -2;
	return high ? 1 : calm ? 0 : -1;
}

/* What the host wants back, in KiB; BALLOON_UNKNOWN without MemAvailable or
 * with PSI (pressure there is not a number of bytes). */
static uint64_t host_shortfall(const BalloonParams *p, const BalloonHost *h)
{
	double want;

	if (h->has_psi || h->mem_total_kib == 0)
		return BALLOON_UNKNOWN;
	want = p->avail_high * (double)h->mem_total_kib - (double)h->mem_available_kib;
	return want > 0 ? (uint64_t)want : 0;
}

/* Half of what is available above the reserve (avail_low with PSI, else
 * avail_high, so that giving does not bring the pressure back). */
static uint64_t host_spare(const BalloonParams *p, const BalloonHost *h)
{
	double spare, reserve = h->has_psi ? p->avail_low : p->avail_high;

	if (h->mem_total_kib == 0 || h->mem_available_kib > h->mem_total_kib)
		return BALLOON_UNKNOWN;
	spare = (double)h->mem_available_kib - reserve * (double)h->mem_total_kib;
	return spare > 0 ? (uint64_t)(spare / 2) : 0;
}

static void update_short(const BalloonParams *p, const BalloonGuest *g, GuestMemo *m)
{
	double usable = (double)usable_of(g), size = (double)g->current_kib;
	bool swapped = m->swap_in_kib != BALLOON_UNKNOWN && g->swap_in_kib != BALLOON_UNKNOWN &&
		       g->swap_in_kib > m->swap_in_kib;

	if (usable < p->guest_low * size || (swapped && usable < p->guest_ok * size))
		m->short_ = true;
	else if (usable > p->guest_ok * size)
		m->short_ = false;
	m->swap_in_kib = g->swap_in_kib;
}

static int push(Ctx *c, size_t i, uint64_t to, uint64_t floor, BalloonReason why)
{
	BalloonChange *o = reallocarray(c->out, c->n_out + 1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	c->out = o;
	o[c->n_out++] = (BalloonChange){ .guest = i, .from_kib = c->size[i], .to_kib = to, .floor_kib = floor,
					 .usable_kib = usable_of(&c->g[i]), .reason = why };
	if (to > c->size[i]) {
		c->memo[i]->grown_us = c->memo[i]->settled_us = c->h->now_us;
		c->memo[i]->rising = true;
	}
	else
		c->memo[i]->shrunk_us = c->h->now_us;
	c->size[i] = to;
	return 0;
}

static bool within(uint64_t now, uint64_t then, uint64_t span)
{
	return then != 0 && now >= then && now - then < span;
}

static uint64_t step_of(const BalloonParams *p, const BalloonGuest *g)
{
	return max_u64((uint64_t)(p->step_share * (double)g->max_kib), p->min_change_kib);
}

/* Under pressure, one step per whole multiple of the threshold that PSI
 * shows, up to TAKE_STEPS_MAX: a host stalling hard needs more back than
 * one step, and taken one step per pace_us it stalls for longer and the
 * guest is changed more often. */
static uint64_t take_step_of(const BalloonParams *p, const BalloonHost *h, const BalloonGuest *g)
{
	double k = 1;

	if (h->has_psi) {
		if (p->psi_some_high > 0)
			k = fmax(k, h->some_avg10 / p->psi_some_high);
		if (p->psi_full_high > 0)
			k = fmax(k, h->full_avg10 / p->psi_full_high);
	}
	return step_of(p, g) * (uint64_t)fmin(TAKE_STEPS_MAX, k);
}

static uint64_t used_of(const BalloonGuest *g)
{
	uint64_t u = usable_of(g);

	return g->available_kib > u ? g->available_kib - u : 0;
}

/* After a grow, where the balloon is: until it is seen within a MiB of
 * its size, each sample moves settled_us on (it got there after the last
 * sample that saw it on its way, and at the latest at this one).  Unknown
 * (0), it counts as there at once. */
static void track_rise(const Ctx *c, size_t i)
{
	const BalloonGuest *g = &c->g[i];
	GuestMemo *m = c->memo[i];
	bool known = g->actual_kib != 0 && g->actual_kib != BALLOON_UNKNOWN;

	if (!m->rising)
		return;
	if (known)
		m->settled_us = c->h->now_us;
	m->rising = known && g->actual_kib + ARRIVED_SLACK_KIB < c->size[i];
}

/* Whether the guest's statistics show its last grow: its balloon got
 * there and they were taken since. */
static bool grow_settled(const Ctx *c, size_t i)
{
	const GuestMemo *m = c->memo[i];
	uint64_t age = c->g[i].stats_age_us;

	return !m->rising && age <= c->h->now_us && c->h->now_us - age > m->settled_us;
}

static int grow_short(Ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const BalloonGuest *g = &c->g[i];
		uint64_t floor, to;

		if (!c->memo[i] || !c->memo[i]->short_ || c->size[i] >= g->max_kib || !grow_settled(c, i))
			continue;
		(void)balloon_floor(c->p, g, &floor);
		to = max_u64(used_of(g) + 2 * c->p->margin_kib, c->size[i] + step_of(c->p, g));
		to = min_u64(to, g->max_kib);
		if (to > c->size[i] && push(c, i, to, floor, BALLOON_GUEST_SHORT) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Guests in order of key, descending when desc. */
static void order_by(const Ctx *c, size_t *idx, double (*key)(const BalloonGuest *), bool desc)
{
	for (size_t i = 0; i < c->n; i++)
		idx[i] = i;
	for (size_t i = 1; i < c->n; i++)
		for (size_t j = i; j > 0; j--) {
			double a = key(&c->g[idx[j - 1]]), b = key(&c->g[idx[j]]);

			if (desc ? a >= b : a <= b)
				break;
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

static double usable_key(const BalloonGuest *g)
{
	return (double)usable_of(g);
}

static double usable_share_key(const BalloonGuest *g)
{
	return (double)usable_of(g) / (double)(g->current_kib ? g->current_kib : 1);
}

static int take(Ctx *c, size_t *idx)
{
	uint64_t want = host_shortfall(c->p, c->h), taken = 0;

	order_by(c, idx, usable_key, true);
	for (size_t k = 0; k < c->n && (want == BALLOON_UNKNOWN || taken < want); k++) {
		size_t i = idx[k];
		const BalloonGuest *g = &c->g[i];
		GuestMemo *m = c->memo[i];
		uint64_t floor, to, step;

		if (!m || m->short_ || within(c->h->now_us, m->grown_us, c->p->hold_us) ||
		    within(c->h->now_us, m->shrunk_us, c->p->pace_us) || balloon_floor(c->p, g, &floor) < 0 ||
		    c->size[i] <= floor)
			continue;
		step = take_step_of(c->p, c->h, g);
		/* A remainder over the floor too small to take later goes now. */
		to = c->size[i] > floor + step + c->p->min_change_kib ? c->size[i] - step : floor;
		if (want != BALLOON_UNKNOWN && c->size[i] - to > want - taken)
			to = max_u64(floor, c->size[i] - (want - taken));
		if (c->size[i] - to < c->p->min_change_kib)
			continue;
		taken += c->size[i] - to;
		if (push(c, i, to, floor, BALLOON_HOST_PRESSURE) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int give(Ctx *c, size_t *idx)
{
	uint64_t budget = host_spare(c->p, c->h), given = 0;

	order_by(c, idx, usable_share_key, false);
	for (size_t k = 0; k < c->n; k++) {
		size_t i = idx[k];
		const BalloonGuest *g = &c->g[i];
		GuestMemo *m = c->memo[i];
		uint64_t home = min_u64(g->original_kib, g->max_kib), floor, to;

		if (!m || c->size[i] >= home || within(c->h->now_us, m->shrunk_us, c->p->hold_us))
			continue;
		/* Within a known budget, all of it at once: a guest given back
		 * in steps is changed again and again for nothing. */
		if (budget != BALLOON_UNKNOWN)
			to = min_u64(home, c->size[i] + (budget > given ? budget - given : 0));
		else
			to = min_u64(home, c->size[i] + step_of(c->p, g));
		if (to - c->size[i] < c->p->min_change_kib && to != home)
			continue;
		if (to == c->size[i])
			continue;
		given += to - c->size[i];
		(void)balloon_floor(c->p, g, &floor);
		if (push(c, i, to, floor, BALLOON_HOST_RECOVERED) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int prepare(Ctx *c)
{
	c->memo = calloc(c->n ? c->n : 1, sizeof(*c->memo));
	c->size = calloc(c->n ? c->n : 1, sizeof(*c->size));
	c->memo_at = calloc(c->n ? c->n : 1, sizeof(*c->memo_at));
	if (!c->memo || !c->size || !c->memo_at)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		const BalloonGuest *g = &c->g[i];
		size_t at;
		int r;

		c->size[i] = g->current_kib;
		c->memo_at[i] = SIZE_MAX;
		if (!g->name || balloon_guest_skip_reason(c->p, g))
			continue;
		r = memo_get(c->s, g->name, &at);
		if (r < 0)
			return r;
		c->memo_at[i] = at;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->memo_at[i] != SIZE_MAX) {
			c->memo[i] = &c->s->memo[c->memo_at[i]];
			update_short(c->p, &c->g[i], c->memo[i]);
			track_rise(c, i);
		}
	return 0;
}

int balloon_policy_decide(BalloonPolicyState *s, const BalloonParams *p, const BalloonHost *h,
			  const BalloonGuest *g, size_t n, BalloonChange **ret, size_t *ret_n)
{
	Ctx c = { .s = s, .p = p, .h = h, .g = g, .n = n };
	_cleanup_free_ size_t *idx = NULL;
	int sig = host_signal(p, h), r;

	if (balloon_params_check(p, NULL) < 0)
		return -EINVAL;
	idx = calloc(n ? n : 1, sizeof(*idx));
	r = idx ? prepare(&c) : -ENOMEM;
	if (r >= 0) {
		if (sig >= 0)
			s->pressure = sig == 1;
		r = grow_short(&c);
	}
	/* Only a sample that says "pressure" takes, only a calm one gives; in
	 * the band between (PSI's averages decaying after memory was given
	 * back) and on an unknown host nothing moves but short guests. */
	if (r >= 0 && sig == 1)
		r = take(&c, idx);
	if (r >= 0 && sig == 0)
		r = give(&c, idx);
	free(c.memo);
	free(c.memo_at);
	free(c.size);
	if (r < 0) {
		free(c.out);
		return r;
	}
	*ret = c.out;
	*ret_n = c.n_out;
	return 0;
}
