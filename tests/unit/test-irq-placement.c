/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/irq-trace.h"
#include "basic/macro.h"
#include "core/irq-placement.h"

static IrqPlacementParams params(void)
{
	IrqPlacementParams p;

	irq_placement_params_default(&p);
	return p;
}

static void set_list(CpuSet *s, const char *l)
{
	assert_int_equal(cpuset_parse_list(l, s), 0);
}

static void test_place_spreads(void **state)
{
	IrqPlacementParams p = params();
	IrqPlacementState *s = NULL;
	IrqVectorLoad v[] = { { 40, 5000, -1 }, { 41, 4000, -1 }, { 42, 3000, 0 }, { 43, 100, 2 } };
	double busy[] = { 5, 10, 30, 75 };
	IrqMove *m = NULL;
	size_t n;
	CpuSet allowed;

	set_list(&allowed, "1-3");
	assert_int_equal(irq_placement_state_new(&s), 0);
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 4, v, 4, &m, &n), 0);
	/* 43 is on an allowed CPU already and stays; 40 goes to cpu1 (no rate,
	 * least busy of those well under 80-20), 41 to cpu2 (no rate yet), 42
	 * (on cpu0, not allowed) to cpu1 or cpu2, whichever carries less:
	 * cpu2 with 4000.  cpu3 is over 60: only a last resort. */
	assert_int_equal(n, 3);
	assert_int_equal(m[0].irq, 40);
	assert_int_equal(m[0].from, -1);
	assert_int_equal(m[0].to, 1);
	assert_int_equal(m[0].reason, IRQ_MOVE_PLACE);
	assert_int_equal(m[1].irq, 41);
	assert_int_equal(m[1].to, 2);
	assert_int_equal(m[2].irq, 42);
	assert_int_equal(m[2].from, 0);
	assert_int_equal(m[2].to, 2);
	assert_true(m[2].from_busy == 5);
	assert_true(m[2].to_busy == 30);
	free(m);
	irq_placement_state_free(s);
}

static void test_shed_sustain_hold(void **state)
{
	IrqPlacementParams p = params();
	IrqPlacementState *s = NULL;
	IrqVectorLoad v[] = { { 40, 1000, 1 }, { 41, 9000, 1 }, { 42, 500, 2 } };
	double busy[] = { 0, 95, 70, 10 };
	IrqMove *m = NULL;
	size_t n;
	CpuSet allowed;

	set_list(&allowed, "1-3");
	assert_int_equal(irq_placement_state_new(&s), 0);
	/* First sample over: not yet (sustain 2). */
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 4, v, 3, &m, &n), 0);
	assert_int_equal(n, 0);
	assert_null(m);
	/* Second: the heaviest, 41, to cpu3 (cpu2 at 70 is not below 60). */
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 4, v, 3, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].irq, 41);
	assert_int_equal(m[0].to, 3);
	assert_int_equal(m[0].reason, IRQ_MOVE_BUSY);
	free(m);
	v[1].cpu = 3;
	/* cpu3 now over: 41 is held there; 42 on cpu2 is not over. */
	busy[1] = 50, busy[3] = 99;
	for (int i = 0; i < 59; i++) {
		assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 4, v, 3, &m, &n), 0);
		assert_int_equal(n, 0);
	}
	/* 60 samples after its move it may go again, to cpu1. */
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 4, v, 3, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].irq, 41);
	assert_int_equal(m[0].from, 3);
	assert_int_equal(m[0].to, 1);
	free(m);
	irq_placement_state_free(s);
}

/* Two busy CPUs, one idle one: it takes one vector per sample only. */
static void test_one_per_target(void **state)
{
	IrqPlacementParams p = params();
	IrqPlacementState *s = NULL;
	IrqVectorLoad v[] = { { 40, 1000, 0 }, { 41, 1000, 1 } };
	double busy[] = { 95, 95, 5 };
	IrqMove *m = NULL;
	size_t n;
	CpuSet allowed;

	set_list(&allowed, "0-2");
	p.sustain = 1;
	assert_int_equal(irq_placement_state_new(&s), 0);
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 3, v, 2, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].irq, 40);
	free(m);
	irq_placement_state_free(s);
}

static void test_unknown_and_bad(void **state)
{
	IrqPlacementParams p = params();
	IrqPlacementState *s = NULL;
	IrqVectorLoad v[] = { { 40, 1000, 1 } };
	double busy[] = { NAN, 100, -1 };
	IrqMove *m = NULL;
	size_t n;
	CpuSet allowed;

	assert_int_equal(irq_placement_state_new(&s), 0);
	cpuset_zero(&allowed);
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 3, v, 1, &m, &n), -EINVAL);
	set_list(&allowed, "0-3");
	p.sustain = 0;
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 3, v, 1, &m, &n), -EINVAL);
	p = params();
	p.margin = 90;
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 3, v, 1, &m, &n), -EINVAL);
	p = params();
	/* No CPU with a known busy value below 60: nowhere to shed to, ever. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 3, v, 1, &m, &n), 0);
		assert_int_equal(n, 0);
	}
	/* No busy data at all: still placed, on the lowest allowed CPU. */
	v[0].cpu = -1;
	assert_int_equal(irq_placement_decide(s, &p, &allowed, NULL, 0, v, 1, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].to, 0);
	assert_true(m[0].to_busy == -1);
	free(m);
	/* Zero vectors. */
	assert_int_equal(irq_placement_decide(s, &p, &allowed, busy, 3, NULL, 0, &m, &n), 0);
	assert_int_equal(n, 0);
	irq_placement_state_free(s);
	irq_placement_state_free(NULL);
}

/* Replays a trace, compares the move log with NAME.moves and returns the
 * result for the caller's own checks. */
static ReplayResult replay(const char *name)
{
	IrqPlacementParams p = params();
	IrqTrace *t = NULL;
	ReplayResult res;
	char path[512], *log = NULL, *golden = NULL;
	size_t size = 0;
	unsigned line;
	FILE *f;

	snprintf(path, sizeof(path), "%s/irq-traces/%s.trace", getenv("KVMNET_TESTDATA"), name);
	assert_int_equal(irq_trace_load(path, &t, &line), 0);
	f = open_memstream(&log, &size);
	assert_int_equal(irq_trace_replay(t, REPLAY_KVMNET, &p, f, &res), 0);
	fclose(f);
	snprintf(path, sizeof(path), "%s/irq-traces/%s.moves", getenv("KVMNET_TESTDATA"), name);
	assert_int_equal(irq_trace_slurp(path, &golden), 0);
	if (!streq(log, golden))
		fprintf(stderr, "%s: moves differ from %s:\n%s", name, path, log);
	assert_string_equal(log, golden);
	free(log);
	free(golden);
	irq_trace_free(t);
	return res;
}

static void test_trace_steady(void **state)
{
	ReplayResult r = replay("steady");

	assert_int_equal(r.places, 4);
	assert_int_equal(r.moves, 0);
	/* 4 vectors of 7.5% on 3 CPUs: one CPU gets two. */
	assert_true(fabs(r.peak - 25.0) < 0.01);
}

static void test_trace_vm_on_pinned(void **state)
{
	IrqPlacementParams p = params();
	ReplayResult r = replay("vm-on-pinned"), fixed;
	IrqTrace *t = NULL;
	char path[512];
	unsigned line;

	assert_int_equal(r.places, 0);
	assert_int_equal(r.moves, 4);
	snprintf(path, sizeof(path), "%s/irq-traces/vm-on-pinned.trace", getenv("KVMNET_TESTDATA"));
	assert_int_equal(irq_trace_load(path, &t, &line), 0);
	assert_int_equal(irq_trace_replay(t, REPLAY_FIXED, &p, NULL, &fixed), 0);
	/* The fixed pin stays overloaded for the 90 s of the VM; kvmnet for the
	 * sustain time plus one sample per vector shed. */
	assert_int_equal(fixed.over, 90);
	assert_true(r.over <= 2 + 4);
	irq_trace_free(t);
}

static void test_trace_bursty(void **state)
{
	ReplayResult r = replay("bursty");

	assert_int_equal(r.places, 8);
	assert_true(r.moves_per_vector_minute < 1.0);
}

static void test_trace_flapping(void **state)
{
	ReplayResult r = replay("flapping");

	assert_int_equal(r.moves, 0);
}

static void test_trace_saturated(void **state)
{
	ReplayResult r = replay("saturated");

	assert_int_equal(r.moves, 0);
	assert_int_equal(r.places, 0);
}

static void test_trace_parse_bad(void **state)
{
	IrqTrace *t = NULL;
	unsigned line = 0;

	assert_int_equal(irq_trace_parse("", &t, &line), -EINVAL);
	assert_int_equal(irq_trace_parse("cpus 2\nallowed 0-1\ncost_us 1\nvectors 5\n0 1 | 1\n", &t, &line), -EINVAL);
	assert_int_equal(line, 5);
	assert_int_equal(irq_trace_parse("cpus 2\nallowed 0-1\ncost_us 1\nvectors 5\ninitial 1 1\n", &t, &line), -EINVAL);
	assert_int_equal(line, 5);
	assert_int_equal(irq_trace_parse("cpus 2\nallowed 0-1\ncost_us 1\nvectors 5\n0 1 x | 1\n", &t, &line), -EINVAL);
	assert_int_equal(irq_trace_parse("cpus 2\nallowed 0-1\ncost_us 1\nvectors 5\n0 1 2 | 1\n", &t, &line), 0);
	assert_int_equal(t->n_ticks, 1);
	irq_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_spreads),
		cmocka_unit_test(test_shed_sustain_hold),
		cmocka_unit_test(test_one_per_target),
		cmocka_unit_test(test_unknown_and_bad),
		cmocka_unit_test(test_trace_steady),
		cmocka_unit_test(test_trace_vm_on_pinned),
		cmocka_unit_test(test_trace_bursty),
		cmocka_unit_test(test_trace_flapping),
		cmocka_unit_test(test_trace_saturated),
		cmocka_unit_test(test_trace_parse_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
