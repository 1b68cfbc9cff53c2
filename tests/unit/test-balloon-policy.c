/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/balloon-policy.h"

#define MiB 1024ULL
#define GiB (1024ULL * 1024)
#define SEC 1000000ULL

static BalloonParams params(void)
{
	BalloonParams p;

	balloon_params_default(&p);
	return p;
}

/* A 4 GiB guest at size `cur` using `used` of it, fresh statistics. */
static BalloonGuest guest(const char *name, uint64_t cur, uint64_t used)
{
	return (BalloonGuest){ .name = name,
			       .current_kib = cur,
			       .max_kib = 4 * GiB,
			       .original_kib = 4 * GiB,
			       .unused_kib = (cur - used) / 2,
			       .available_kib = cur,
			       .usable_kib = cur - used,
			       .swap_in_kib = 0,
			       .swap_out_kib = 0,
			       .major_faults = 0,
			       .stats_age_us = 2 * SEC,
			       .has_driver = true };
}

static BalloonHost psi(uint64_t now_s, double some, double full)
{
	return (BalloonHost){ .now_us = now_s * SEC, .has_psi = true, .some_avg10 = some, .full_avg10 = full };
}

static size_t decide(BalloonPolicyState *s, const BalloonHost *h, const BalloonGuest *g, size_t n,
		     BalloonChange **ret)
{
	BalloonParams p = params();
	size_t nc = 99;

	*ret = NULL;
	assert_int_equal(balloon_policy_decide(s, &p, h, g, n, ret, &nc), 0);
	return nc;
}

static void test_floor(void **state)
{
	BalloonParams p = params();
	BalloonGuest g = guest("a", 4 * GiB, 3 * GiB);
	uint64_t f = 0;

	/* used 3 GiB + 256 MiB margin is above half of 4 GiB. */
	assert_int_equal(balloon_floor(&p, &g, &f), 0);
	assert_int_equal(f, 3 * GiB + 256 * MiB);
	/* An idle guest is held to min_share of its maximum. */
	g = guest("a", 4 * GiB, 100 * MiB);
	assert_int_equal(balloon_floor(&p, &g, &f), 0);
	assert_int_equal(f, 2 * GiB);
	/* Never above the maximum. */
	g = guest("a", 4 * GiB, 4 * GiB);
	assert_int_equal(balloon_floor(&p, &g, &f), 0);
	assert_int_equal(f, 4 * GiB);
	/* Unknown statistics: no floor. */
	g.usable_kib = g.unused_kib = BALLOON_UNKNOWN;
	f = 7;
	assert_int_equal(balloon_floor(&p, &g, &f), -ENODATA);
	assert_int_equal(f, 7);
}

static void test_skip_reasons(void **state)
{
	BalloonParams p = params();
	BalloonPolicyState *s = NULL;
	BalloonGuest g[4] = { guest("out", 4 * GiB, 1 * GiB), guest("nodrv", 4 * GiB, 1 * GiB),
			      guest("stale", 4 * GiB, 1 * GiB), guest("nostat", 4 * GiB, 1 * GiB) };
	BalloonHost h = psi(100, 40, 10);
	BalloonChange *c;

	g[0].opted_out = true;
	g[1].has_driver = false;
	g[2].stats_age_us = 31 * SEC;
	g[3].available_kib = BALLOON_UNKNOWN;
	assert_string_equal(balloon_guest_skip_reason(&p, &g[0]), "opted out");
	assert_string_equal(balloon_guest_skip_reason(&p, &g[1]), "no balloon driver");
	assert_string_equal(balloon_guest_skip_reason(&p, &g[2]), "no recent statistics");
	assert_string_equal(balloon_guest_skip_reason(&p, &g[3]), "statistics incomplete");
	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, g, 4, &c), 0);
	assert_null(c);
	assert_true(balloon_policy_host_pressure(s));
	balloon_policy_state_free(s);
}

static void test_pressure_takes_most_unused_first(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g[3] = { guest("busy", 4 * GiB, 3800 * MiB), guest("idle", 4 * GiB, 512 * MiB),
			      guest("half", 4 * GiB, 2 * GiB) };
	BalloonHost h = psi(100, 12, 1);
	BalloonChange *c;

	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, g, 3, &c), 2);
	/* idle has the most usable memory and goes first, one step (10% of
	 * 4 GiB); half next; busy is at its floor (3800 MiB + 256 MiB > max). */
	assert_int_equal(c[0].guest, 1);
	assert_int_equal(c[0].from_kib, 4 * GiB);
	assert_int_equal(c[0].to_kib, 4 * GiB - 4 * GiB / 10);
	assert_int_equal(c[0].reason, BALLOON_HOST_PRESSURE);
	assert_int_equal(c[0].floor_kib, 2 * GiB);
	assert_int_equal(c[1].guest, 2);
	assert_int_equal(c[1].floor_kib, 2 * GiB + 256 * MiB);
	free(c);
	balloon_policy_state_free(s);
}

static void test_pace_and_floor(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g = guest("idle", 4 * GiB, 1 * GiB);
	BalloonChange *c;
	uint64_t t = 100, size = g.current_kib;

	assert_int_equal(balloon_policy_state_new(&s), 0);
	/* Pressure that never ends: steps every pace_us (10 s), none sooner,
	 * down to the floor (min_share: 2 GiB) and no lower. */
	for (int i = 0; i < 20; i++, t += 5) {
		BalloonHost h = psi(t, 30, 2);
		size_t n;

		g = guest("idle", size, 1 * GiB);
		n = decide(s, &h, &g, 1, &c);
		if (i % 2 == 1 || size == 2 * GiB) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, 1);
		assert_true(c[0].to_kib < size);
		assert_true(c[0].to_kib >= 2 * GiB);
		size = c[0].to_kib;
		free(c);
	}
	assert_int_equal(size, 2 * GiB);
	balloon_policy_state_free(s);
}

static void test_short_guest_grows_under_pressure(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g[2] = { guest("starved", 2 * GiB, 1950 * MiB), guest("idle", 4 * GiB, 512 * MiB) };
	BalloonHost h = psi(100, 40, 10);
	BalloonChange *c;

	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, g, 2, &c), 2);
	/* The short guest first, to used + 2 margins; then the idle one gives. */
	assert_int_equal(c[0].guest, 0);
	assert_int_equal(c[0].reason, BALLOON_GUEST_SHORT);
	assert_int_equal(c[0].to_kib, 1950 * MiB + 512 * MiB);
	assert_int_equal(c[1].guest, 1);
	assert_int_equal(c[1].reason, BALLOON_HOST_PRESSURE);
	free(c);
	/* Still short-ish (usable under guest_ok): never shrunk. */
	g[0] = guest("starved", 2462 * MiB, 2200 * MiB);
	h = psi(200, 40, 10);
	assert_int_equal(decide(s, &h, g, 1, &c), 1);
	assert_int_equal(c[0].reason, BALLOON_GUEST_SHORT);
	free(c);
	/* Capped at its maximum (statistics taken after the last grow). */
	g[0] = guest("starved", 4 * GiB - 10 * MiB, 4 * GiB - 50 * MiB);
	h.now_us += 10 * SEC;
	assert_int_equal(decide(s, &h, g, 1, &c), 1);
	assert_int_equal(c[0].to_kib, 4 * GiB);
	free(c);
	balloon_policy_state_free(s);
}

/* Seen in the lab (t-balloon.sh): a 512 MiB guest squeezed to 128 MiB
 * fills itself and is grown to 256 MiB under pressure; two seconds later
 * its statistics are still those of the small guest (they were taken
 * before the grow, or while its balloon was still on its way up, slow
 * under TCG) and it looked just as short against 256 MiB: grown again to
 * 384 MiB, memory a host under pressure did not need to give. */
static BalloonGuest squeezed(uint64_t size, uint64_t memtotal, uint64_t usable, uint64_t age_s)
{
	BalloonGuest g = guest("squeezed", size, 0);

	g.max_kib = g.original_kib = 512 * MiB;
	g.available_kib = memtotal;
	g.usable_kib = usable;
	g.unused_kib = usable / 2;
	g.stats_age_us = age_s * SEC;
	return g;
}

/* One sample of `squeezed` with params p; the number of changes. */
static size_t decide_p(BalloonPolicyState *s, const BalloonParams *p, const BalloonHost *h, const BalloonGuest *g,
		       BalloonChange **ret)
{
	size_t n = 99;

	*ret = NULL;
	assert_int_equal(balloon_policy_decide(s, p, h, g, 1, ret, &n), 0);
	return n;
}

static void test_short_guest_grown_once_per_shortage(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonParams p = params();
	BalloonGuest g = squeezed(128 * MiB, 84 * MiB, 10 * MiB, 1);
	BalloonHost h = psi(100, 16, 3);
	BalloonChange *c = NULL;

	p.margin_kib = 64 * MiB;
	p.step_share = 0.25;
	p.min_share = 0.25;
	p.hold_us = 5 * SEC;
	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide_p(s, &p, &h, &g, &c), 1);
	assert_int_equal(c[0].reason, BALLOON_GUEST_SHORT);
	assert_int_equal(c[0].to_kib, 256 * MiB);
	free(c);
	/* 2 s later: statistics from before the grow, the balloon on its
	 * way up.  Nothing. */
	g = squeezed(256 * MiB, 84 * MiB, 10 * MiB, 3);
	g.actual_kib = 130 * MiB;
	h.now_us += 2 * SEC;
	assert_int_equal(decide_p(s, &p, &h, &g, &c), 0);
	free(c);
	/* Fresh statistics, but the balloon is still on its way up (actual
	 * 140 MiB): nothing. */
	g = squeezed(256 * MiB, 96 * MiB, 11 * MiB, 1);
	g.actual_kib = 140 * MiB;
	h.now_us += 2 * SEC;
	assert_int_equal(decide_p(s, &p, &h, &g, &c), 0);
	free(c);
	/* There now, but the statistics (3 s old) may be from before it got
	 * there: nothing. */
	g.actual_kib = 256 * MiB;
	h.now_us += 2 * SEC;
	g.stats_age_us = 3 * SEC;
	assert_int_equal(decide_p(s, &p, &h, &g, &c), 0);
	free(c);
	/* Statistics of the grown guest that is short again: grown again. */
	g = squeezed(256 * MiB, 212 * MiB, 20 * MiB, 1);
	g.actual_kib = 256 * MiB;
	h.now_us += 2 * SEC;
	assert_int_equal(decide_p(s, &p, &h, &g, &c), 1);
	assert_int_equal(c[0].reason, BALLOON_GUEST_SHORT);
	assert_int_equal(c[0].to_kib, 384 * MiB);
	free(c);
	balloon_policy_state_free(s);
}

static void test_swap_in_marks_short(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g = guest("g", 3 * GiB, 2600 * MiB); /* usable 15%: between low and ok */
	BalloonHost h = psi(100, 0, 0);
	BalloonChange *c;

	g.original_kib = 3 * GiB; /* nothing to give back on a calm host */

	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, &g, 1, &c), 0);
	g.swap_in_kib = 4096;
	h.now_us += SEC;
	assert_int_equal(decide(s, &h, &g, 1, &c), 1);
	assert_int_equal(c[0].reason, BALLOON_GUEST_SHORT);
	free(c);
	balloon_policy_state_free(s);
}

static void test_recovery_gives_back_with_hold(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g = guest("g", 4 * GiB, 1 * GiB);
	BalloonHost h = psi(100, 12, 1);
	BalloonChange *c;
	uint64_t size;

	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, &g, 1, &c), 1);
	size = c[0].to_kib;
	free(c);
	/* In the band: nothing either way. */
	g = guest("g", size, 1 * GiB);
	h = psi(130, 5, 0.2);
	assert_int_equal(decide(s, &h, &g, 1, &c), 0);
	assert_true(balloon_policy_host_pressure(s));
	/* Calm, but shrunk 40 s ago (hold 60 s): not yet. */
	h = psi(140, 0.5, 0);
	assert_int_equal(decide(s, &h, &g, 1, &c), 0);
	assert_false(balloon_policy_host_pressure(s));
	/* After the hold: back to its original size (one step suffices). */
	h = psi(161, 0.5, 0);
	assert_int_equal(decide(s, &h, &g, 1, &c), 1);
	assert_int_equal(c[0].reason, BALLOON_HOST_RECOVERED);
	assert_int_equal(c[0].to_kib, 4 * GiB);
	free(c);
	/* At its original size: nothing more, even below maximum. */
	g = guest("g", 3 * GiB, 1 * GiB);
	g.original_kib = 3 * GiB;
	h = psi(300, 0, 0);
	assert_int_equal(decide(s, &h, &g, 1, &c), 0);
	balloon_policy_state_free(s);
}

static void test_meminfo_fallback(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g[2] = { guest("a", 4 * GiB, 512 * MiB), guest("b", 4 * GiB, 1 * GiB) };
	/* 16 GiB host with 1.5 GiB available: 20% is 3.2 GiB, short 1.7 GiB. */
	BalloonHost h = { .now_us = 100 * SEC, .mem_total_kib = 16 * GiB, .mem_available_kib = 1536 * MiB };
	BalloonChange *c;

	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, g, 2, &c), 2);
	/* a gives a whole step (409.6 MiB), b the same: under the shortfall. */
	assert_int_equal(c[0].guest, 0);
	assert_int_equal(c[1].guest, 1);
	free(c);
	/* Only 100 MiB short now (available 3.1 GiB < avail_high but > low):
	 * the band, nothing. */
	h.now_us = 200 * SEC;
	h.mem_available_kib = 3174 * MiB;
	assert_int_equal(decide(s, &h, g, 2, &c), 0);
	/* Under avail_low again with five idle guests: four whole steps
	 * (1638.4 MiB) and the fifth only the rest of the 1740.8 MiB short. */
	{
		BalloonGuest five[5];
		uint64_t sum = 0;

		for (int i = 0; i < 5; i++)
			five[i] = guest(i == 0 ? "a" : i == 1 ? "b" : i == 2 ? "c" : i == 3 ? "d" : "e", 4 * GiB,
					512 * MiB);
		h.now_us = 300 * SEC;
		h.mem_available_kib = 1536 * MiB;
		assert_int_equal(decide(s, &h, five, 5, &c), 5);
		for (int i = 0; i < 5; i++)
			sum += c[i].from_kib - c[i].to_kib;
		assert_true(sum >= 1740 * MiB && sum <= 1741 * MiB);
		assert_true(c[4].from_kib - c[4].to_kib < 103 * MiB);
		free(c);
	}
	balloon_policy_state_free(s);
}

static void test_psi_with_meminfo(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g[2] = { guest("a", 2 * GiB, 512 * MiB), guest("b", 2 * GiB, 512 * MiB) };
	/* PSI calm and only 3% available: not pressure (PSI decides). */
	BalloonHost h = psi(100, 0, 0);
	BalloonChange *c;

	h.mem_total_kib = 16 * GiB;
	h.mem_available_kib = 500 * MiB;
	assert_int_equal(balloon_policy_state_new(&s), 0);
	/* Calm, but nothing available above avail_low (1.6 GiB): no giving. */
	assert_int_equal(decide(s, &h, g, 2, &c), 0);
	assert_false(balloon_policy_host_pressure(s));
	/* 1.6 GiB + 300 MiB available: half of 300 MiB to the first, none left
	 * for the second. */
	h.mem_available_kib = 16 * GiB / 10 + 300 * MiB;
	assert_int_equal(decide(s, &h, g, 2, &c), 1);
	assert_true(c[0].to_kib - c[0].from_kib <= 150 * MiB + 1);
	free(c);
	/* PSI high with plenty available: taken all the same. */
	h = psi(200, 50, 5);
	h.mem_total_kib = 16 * GiB;
	h.mem_available_kib = 8 * GiB;
	g[0] = guest("a", 4 * GiB, 512 * MiB);
	assert_int_equal(decide(s, &h, g, 1, &c), 1);
	assert_int_equal(c[0].reason, BALLOON_HOST_PRESSURE);
	free(c);
	balloon_policy_state_free(s);
}

static void test_unknown_host_takes_nothing(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g[2] = { guest("idle", 4 * GiB, 512 * MiB), guest("starved", 2 * GiB, 1990 * MiB) };
	BalloonHost h = psi(100, NAN, NAN);
	BalloonChange *c;

	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, g, 2, &c), 1);
	assert_int_equal(c[0].guest, 1);
	assert_int_equal(c[0].reason, BALLOON_GUEST_SHORT);
	free(c);
	balloon_policy_state_free(s);
}

/* The step grows with how far PSI is over the threshold (10% some, 5%
 * full): one per whole multiple, four at most, still never below the floor. */
static void test_pressure_step_scales_with_stall(void **state)
{
	static const struct {
		double some, full;
		uint64_t steps;
	} cases[] = { { 12, 1, 1 }, { 25, 1, 2 }, { 39, 2, 3 }, { 12, 16, 3 }, { 90, 40, 4 } };
	uint64_t step = 8 * GiB / 10; /* 10% of the guest's 8 GiB */

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		BalloonPolicyState *s = NULL;
		BalloonGuest g = guest("idle", 4 * GiB, 256 * MiB);
		BalloonHost h = psi(100, cases[k].some, cases[k].full);
		BalloonChange *c;

		g.max_kib = 8 * GiB; /* floor: min_share 50%, 4 GiB; a step 819.2 MiB */
		g.current_kib = g.available_kib = 8 * GiB;
		g.usable_kib = 8 * GiB - 256 * MiB;
		assert_int_equal(balloon_policy_state_new(&s), 0);
		assert_int_equal(decide(s, &h, &g, 1, &c), 1);
		assert_int_equal(c[0].from_kib - c[0].to_kib, cases[k].steps * step);
		free(c);
		balloon_policy_state_free(s);
	}
}

/* A calm host with room gives a guest all it lacks in one change, not one
 * step per sample; two guests share one budget, the most squeezed first. */
static void test_recovery_gives_all_within_budget(void **state)
{
	BalloonPolicyState *s = NULL;
	BalloonGuest g[2] = { guest("a", 2 * GiB, 512 * MiB), guest("b", 3 * GiB, 512 * MiB) };
	BalloonHost h = psi(100, 0, 0);
	BalloonChange *c;

	h.mem_total_kib = 16 * GiB;
	/* 8 GiB available, 1.6 GiB of it the reserve (avail_low 10%): a
	 * budget of 3.2 GiB. */
	h.mem_available_kib = 8 * GiB;
	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(decide(s, &h, g, 2, &c), 2);
	assert_int_equal(c[0].guest, 0);
	assert_int_equal(c[0].reason, BALLOON_HOST_RECOVERED);
	assert_int_equal(c[0].to_kib, 4 * GiB);
	/* b gets the 1 GiB it lacks from the 1.2 GiB left. */
	assert_int_equal(c[1].guest, 1);
	assert_int_equal(c[1].to_kib, 4 * GiB);
	free(c);
	/* A budget of 1 GiB: a gets it (of the 2 GiB it lacks), b nothing. */
	g[0] = guest("a", 2 * GiB, 512 * MiB);
	g[1] = guest("b", 3 * GiB, 512 * MiB);
	h.now_us = 200 * SEC;
	h.mem_available_kib = 16 * GiB / 10 + 2 * GiB + 1;
	assert_int_equal(decide(s, &h, g, 2, &c), 1);
	assert_int_equal(c[0].guest, 0);
	assert_int_equal(c[0].to_kib, 3 * GiB);
	free(c);
	balloon_policy_state_free(s);
}

static void test_bad_params(void **state)
{
	BalloonParams p = params();
	BalloonPolicyState *s = NULL;
	BalloonHost h = psi(1, 0, 0);
	BalloonChange *c = NULL;
	const char *f = NULL;
	size_t n = 5;

	p.psi_some_low = 20;
	assert_int_equal(balloon_params_check(&p, &f), -EINVAL);
	assert_string_equal(f, "psi_some");
	p = params();
	p.step_share = 0;
	assert_int_equal(balloon_params_check(&p, &f), -EINVAL);
	assert_string_equal(f, "step_share");
	assert_int_equal(balloon_policy_state_new(&s), 0);
	assert_int_equal(balloon_policy_decide(s, &p, &h, NULL, 0, &c, &n), -EINVAL);
	assert_int_equal(n, 5);
	balloon_policy_state_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_skip_reasons),
		cmocka_unit_test(test_pressure_takes_most_unused_first),
		cmocka_unit_test(test_pace_and_floor),
		cmocka_unit_test(test_short_guest_grows_under_pressure),
		cmocka_unit_test(test_short_guest_grown_once_per_shortage),
		cmocka_unit_test(test_swap_in_marks_short),
		cmocka_unit_test(test_recovery_gives_back_with_hold),
		cmocka_unit_test(test_meminfo_fallback),
		cmocka_unit_test(test_psi_with_meminfo),
		cmocka_unit_test(test_unknown_host_takes_nothing),
		cmocka_unit_test(test_pressure_step_scales_with_stall),
		cmocka_unit_test(test_recovery_gives_all_within_budget),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
