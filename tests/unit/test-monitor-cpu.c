/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where kvmnetd's own threads run: the allowed set and the move rule
 * (core/monitor-cpu.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "core/monitor-cpu.h"

static CpuSet set_of(const char *l)
{
	CpuSet s;

	assert_int_equal(cpuset_parse_list(l, &s), 0);
	return s;
}

static void assert_set(const CpuSet *s, const char *want)
{
	char *l = NULL;

	assert_int_equal(cpuset_format_list(s, &l), 0);
	assert_string_equal(l, want);
	free(l);
}

/* An 8-CPU host: 6-7 isolated, 5 nohz_full, vCPUs on 3-4, [irq] on 2. */
static MonitorCpuHost host8(void)
{
	return (MonitorCpuHost){
		.online = set_of("0-7"), .isolated = set_of("6-7"), .nohz_full = set_of("5"),
		.vcpu_pinned = set_of("3-4"), .irq = set_of("2"), .started = set_of("0-7"),
	};
}

static void test_auto_housekeeping(void **state)
{
	MonitorCpuHost h = host8();
	MonitorCpusWhy why;
	CpuSet s;

	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-1");
	assert_int_equal(why, MONITOR_CPUS_HOUSEKEEPING);
	/* A start affinity (CPUAffinity=, taskset) bounds it... */
	h.started = set_of("1-7");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "1");
	/* ...unless it holds no online CPU. */
	h.started = set_of("9");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-1");
}

/* Never empty: each exclusion that would leave nothing is given up, and
 * the reason says which. */
static void test_auto_fallbacks(void **state)
{
	MonitorCpuHost h = host8();
	MonitorCpusWhy why;
	CpuSet s;

	h.irq = set_of("0-2");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-2");
	assert_int_equal(why, MONITOR_CPUS_SHARE_IRQ);

	h.vcpu_pinned = set_of("0-4");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-4");
	assert_int_equal(why, MONITOR_CPUS_SHARE_VCPUS);

	/* Isolated and nohz_full together leave nothing: every online CPU. */
	h.isolated = set_of("0-4,6-7");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-7");
	assert_int_equal(why, MONITOR_CPUS_ISOLATED);

	h.nohz_full = set_of("0-7");
	h.isolated = set_of("");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-7");
	assert_int_equal(why, MONITOR_CPUS_ISOLATED);

	/* Two CPUs, both with [irq] vectors (this very machine's shape). */
	h = (MonitorCpuHost){ .online = set_of("0-1"), .irq = set_of("0-1"), .started = set_of("0-1") };
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), 0);
	assert_set(&s, "0-1");
	assert_int_equal(why, MONITOR_CPUS_SHARE_IRQ);

	h.online = set_of("");
	assert_int_equal(monitor_cpus_choose(NULL, &h, &s, &why), -ENOENT);
}

static void test_configured(void **state)
{
	MonitorCpuHost h = host8();
	MonitorCpusWhy why;
	CpuSet list = set_of("3,6,9"), none = set_of("9-10"), s;

	/* A list is taken as given (pinned vCPUs, isolation and all), within
	 * the online CPUs. */
	assert_int_equal(monitor_cpus_choose(&list, &h, &s, &why), 0);
	assert_set(&s, "3,6");
	assert_int_equal(why, MONITOR_CPUS_CONFIGURED);
	assert_int_equal(monitor_cpus_choose(&none, &h, &s, &why), 0);
	assert_set(&s, "0-1");
	assert_int_equal(why, MONITOR_CPUS_NONE_ONLINE);
}

static IrqPlacementParams params(void)
{
	IrqPlacementParams p;

	irq_placement_params_default(&p);
	return p;
}

static void test_place(void **state)
{
	IrqPlacementParams p = params();
	MonitorCpuState *s = calloc(1, sizeof(*s));
	CpuSet allowed = set_of("1-3");
	double busy[] = { 5, 50, 20, -1 };
	MonitorMove m;

	/* No sample yet: the lowest allowed CPU. */
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, NULL, 0, -1, &m), 1);
	assert_int_equal(m.to, 1);
	assert_int_equal(m.from, -1);
	assert_int_equal(m.reason, MONITOR_MOVE_PLACE);
	/* Off the set (cpu 0): the least busy known allowed CPU at once, even
	 * right after a move (hold is for busy moves). */
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 1);
	assert_int_equal(m.from, 0);
	assert_int_equal(m.to, 2);
	assert_true(m.to_busy == 20);
	/* On an allowed CPU that is not busy: stays. */
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 2, &m), 0);
	/* A placement holds nothing: the CPU it chose turns busy, and after
	 * `sustain` samples it moves on, not `hold` samples later. */
	busy[2] = 95;
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 2, &m), 0);
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 2, &m), 1);
	assert_int_equal(m.reason, MONITOR_MOVE_BUSY);
	assert_int_equal(m.to, 1);
	free(s);
}

static void test_busy_move_and_hysteresis(void **state)
{
	IrqPlacementParams p = params(); /* 80%, margin 20, sustain 2, hold 60 */
	MonitorCpuState *s = calloc(1, sizeof(*s));
	CpuSet allowed = set_of("0-3");
	double busy[] = { 95, 70, 30, -1 };
	MonitorMove m;
	char *line = NULL;

	/* One sample over 80% is not enough. */
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 0);
	/* The second is: to cpu 2 (30%), not cpu 1 (70%, not below 60) nor
	 * cpu 3 (unknown). */
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 1);
	assert_int_equal(m.from, 0);
	assert_int_equal(m.to, 2);
	assert_int_equal(m.reason, MONITOR_MOVE_BUSY);
	assert_true(m.from_busy == 95);
	assert_int_equal(m.over, 2);
	assert_int_equal(monitor_move_format(&m, p.busy_percent, &line), 0);
	assert_string_equal(line, "CPU 0 -> CPU 2: CPU 0 busy 95.0% (over 80% for 2 samples), CPU 2 busy 30.0%");
	free(line);

	/* Now cpu 2 gets busy and cpu 0 idle: no hop back within hold. */
	busy[0] = 10;
	busy[2] = 99;
	for (unsigned i = 0; i < p.hold - 1; i++)
		assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 2, &m), 0);
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 2, &m), 1);
	assert_int_equal(m.to, 0);

	/* A dip at or below busy_percent restarts the count. */
	busy[0] = 90;
	busy[2] = 10;
	memset(s, 0, sizeof(*s));
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 0);
	busy[0] = 80;
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 0);
	busy[0] = 90;
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 0);
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, busy, 4, 0, &m), 1);
	free(s);
}

/* Busy everywhere, or its own CPU unknown: it stays. */
static void test_no_idle_target(void **state)
{
	IrqPlacementParams p = params();
	MonitorCpuState *s = calloc(1, sizeof(*s));
	CpuSet allowed = set_of("0-1");
	double full[] = { 100, 100 }, unknown[] = { -1, 5 };
	MonitorMove m;

	for (int i = 0; i < 5; i++)
		assert_int_equal(monitor_cpu_decide(s, &p, &allowed, full, 2, 0, &m), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(monitor_cpu_decide(s, &p, &allowed, unknown, 2, 0, &m), 0);
	/* Bad parameters and an empty set are refused. */
	p.sustain = 0;
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, full, 2, 0, &m), -EINVAL);
	p = params();
	allowed = set_of("");
	assert_int_equal(monitor_cpu_decide(s, &p, &allowed, full, 2, 0, &m), -EINVAL);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_housekeeping), cmocka_unit_test(test_auto_fallbacks),
		cmocka_unit_test(test_configured),	  cmocka_unit_test(test_place),
		cmocka_unit_test(test_busy_move_and_hysteresis), cmocka_unit_test(test_no_idle_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
