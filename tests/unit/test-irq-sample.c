/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/core/irq-sample: the pure half of kvmnetd's interrupt sampler. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "core/irq-sample.h"

static CpuSet set(const char *l)
{
	CpuSet s;

	assert_int_equal(cpuset_parse_list(l, &s), 0);
	return s;
}

static void test_busy(void **state)
{
	_cleanup_proc_stat_ ProcStat *a = NULL, *b = NULL;
	_cleanup_free_ double *busy = NULL;
	size_t n;

	/* CPU 2 went offline between the samples; CPU 3 came online. */
	assert_int_equal(proc_stat_parse("cpu0 100 0 0 100 0 0 0 0 0 0\n"
					 "cpu2 100 0 0 100 0 0 0 0 0 0\n", &a), 0);
	assert_int_equal(proc_stat_parse("cpu0 190 0 0 110 0 0 0 0 0 0\n"
					 "cpu3 1 0 0 1 0 0 0 0 0 0\n", &b), 0);
	assert_int_equal(irq_sample_busy(a, b, &busy, &n), 0);
	assert_int_equal(n, 4);
	assert_true(busy[0] > 89.9 && busy[0] < 90.1);
	assert_true(busy[1] < 0 && busy[2] < 0 && busy[3] < 0);
}

static void test_rate(void **state)
{
	_cleanup_proc_interrupts_ ProcInterrupts *a = NULL, *b = NULL;
	double r;

	assert_int_equal(proc_interrupts_parse("  CPU0 CPU1\n 40: 100 0 PCI-MSIX a 0-edge q0\n"
					       " 41: 5000 0 PCI-MSIX a 1-edge q1\n", &a), 0);
	/* 41 was freed and requested again: its count restarted. */
	assert_int_equal(proc_interrupts_parse("  CPU0 CPU1\n 40: 600 1500 PCI-MSIX a 0-edge q0\n"
					       " 41: 10 0 PCI-MSIX a 1-edge q1\n", &b), 0);
	assert_int_equal(irq_sample_rate(a, b, 40, 500000, &r), 0);
	assert_true(r > 3999.9 && r < 4000.1);
	assert_int_equal(irq_sample_rate(a, b, 41, 500000, &r), 0);
	assert_true(r == 0);
	assert_int_equal(irq_sample_rate(a, b, 42, 500000, &r), -ENOENT);
	assert_int_equal(irq_sample_rate(a, b, 40, 0, &r), -EINVAL);
}

static void test_single_cpu(void **state)
{
	CpuSet s = set("5");

	assert_int_equal(irq_affinity_single_cpu(&s), 5);
	s = set("0-1");
	assert_int_equal(irq_affinity_single_cpu(&s), -1);
	s = set("");
	assert_int_equal(irq_affinity_single_cpu(&s), -1);
}

static void test_default_cpus(void **state)
{
	CpuSet online = set("0-7"), node = set("4-7"), pinned = set("5,6"), isolated = set("7"), r, none = set("");
	DomainVcpuPin p1[] = { { 0, set("5") }, { 1, set("6") } }, p2[] = { { 0, set("0-1") } };
	DomainDef d1 = { .vcpupins = p1, .n_vcpupins = 2 }, d2 = { .vcpupins = p2, .n_vcpupins = 1 }, d3 = { 0 };
	DomainDef *defs[] = { &d1, &d2, &d3 };
	CpuSet want;

	irq_vcpu_pinned_cpus(defs, 3, &r);
	want = set("0-1,5-6");
	assert_true(cpuset_equal(&r, &want));

	assert_int_equal(irq_default_cpus(&online, &node, &pinned, &isolated, &r), 0);
	want = set("4");
	assert_true(cpuset_equal(&r, &want));
	/* No node: every online CPU but the pinned and isolated. */
	assert_int_equal(irq_default_cpus(&online, NULL, &pinned, &isolated, &r), 0);
	want = set("0-4");
	assert_true(cpuset_equal(&r, &want));
	/* The node all pinned: its unisolated CPUs rather than nowhere. */
	pinned = set("4-6");
	assert_int_equal(irq_default_cpus(&online, &node, &pinned, &isolated, &r), 0);
	want = set("4-6");
	assert_true(cpuset_equal(&r, &want));
	/* A node whose CPUs are all offline or isolated: nothing. */
	node = set("7");
	assert_int_equal(irq_default_cpus(&online, &node, &none, &isolated, &r), -ENOENT);
}

static void test_format(void **state)
{
	IrqMove busy = { 42, 2, 5, IRQ_MOVE_BUSY, 93.04, 12.5, 8123.4 };
	IrqMove place = { 43, -1, 3, IRQ_MOVE_PLACE, -1, -1, 10 };
	IrqMove out = { 44, 9, 3, IRQ_MOVE_PLACE, 1, 2, 10 };
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	assert_int_equal(irq_move_format(&busy, "eth0-TxRx-0", 80, &a), 0);
	assert_string_equal(a, "irq 42 (eth0-TxRx-0): CPU 2 -> CPU 5: CPU 2 busy 93.0% (over 80%), CPU 5 busy 12.5%, 8123 irq/s");
	assert_int_equal(irq_move_format(&place, NULL, 80, &b), 0);
	assert_string_equal(b, "irq 43: placed on CPU 3 (was not pinned to one allowed CPU): CPU 3 busy unknown, 10 irq/s");
	assert_int_equal(irq_move_format(&out, "q", 80, &c), 0);
	assert_string_equal(c, "irq 44 (q): CPU 9 -> CPU 3 (CPU 9 is not allowed): CPU 3 busy 2.0%, 10 irq/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy),	     cmocka_unit_test(test_rate),
		cmocka_unit_test(test_single_cpu),  cmocka_unit_test(test_default_cpus),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
