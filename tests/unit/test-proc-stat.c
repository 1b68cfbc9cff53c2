/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "model/proc-stat.h"
#include "host/procfs.h"

static void test_modern(void **state)
{
	ProcStat *s = NULL;
	const CpuTimes *t;

	assert_int_equal(proc_stat_parse("cpu  5791 0 2217 48563 396 0 55 9 0 0\n"
					 "cpu0 2241 1 820 25430 23 4 6 2 7 8\n"
					 "cpu1 3549 0 1396 23133 373 0 49 6 0 0\n"
					 "intr 193603 0 0 0\n"
					 "ctxt 476075\n",
					 &s),
			 0);
	assert_true(s->has_all);
	assert_int_equal(s->all.idle, 48563);
	assert_int_equal(s->n_cpus, 2);
	t = proc_stat_cpu(s, 0);
	assert_non_null(t);
	assert_int_equal(t->n_fields, 10);
	assert_int_equal(t->user, 2241);
	assert_int_equal(t->nice, 1);
	assert_int_equal(t->irq, 4);
	assert_int_equal(t->guest, 7);
	assert_int_equal(t->guest_nice, 8);
	/* guest is inside user already: not added twice. */
	assert_int_equal(cpu_times_total(t), 2241 + 1 + 820 + 25430 + 23 + 4 + 6 + 2);
	assert_null(proc_stat_cpu(s, 2));
	proc_stat_free(s);
}

/* 2.6.x kernels: 4 fields (2.4), 7 (2.6.0), 8 (steal, 2.6.11). */
static void test_old(void **state)
{
	ProcStat *s = NULL;

	assert_int_equal(proc_stat_parse("cpu0 1 2 3 4\ncpu1 1 2 3 4 5 6 7\ncpu3 1 2 3 4 5 6 7 8\n", &s), 0);
	assert_false(s->has_all);
	assert_int_equal(s->n_cpus, 3);
	assert_int_equal(proc_stat_cpu(s, 0)->n_fields, 4);
	assert_int_equal(proc_stat_cpu(s, 0)->iowait, 0);
	assert_int_equal(proc_stat_cpu(s, 1)->softirq, 7);
	assert_int_equal(proc_stat_cpu(s, 3)->steal, 8);
	proc_stat_free(s);
}

static void test_odd(void **state)
{
	ProcStat *s = NULL;

	assert_int_equal(proc_stat_parse("", &s), -EBADMSG);
	assert_int_equal(proc_stat_parse("intr 1 2\nctxt 3\n", &s), -EBADMSG);
	assert_int_equal(proc_stat_parse("cpu0 1 2 3\n", &s), -EBADMSG);
	assert_int_equal(proc_stat_parse("cpu0 1 2 3 x\n", &s), -EBADMSG);
	assert_int_equal(proc_stat_parse("cpu0 1 2 3 -4\n", &s), -EBADMSG);
	assert_int_equal(proc_stat_parse("cpu0 1 2 3 99999999999999999999\n", &s), -EBADMSG);
	assert_int_equal(proc_stat_parse("cpu9999 1 2 3 4\n", &s), -EBADMSG);

	assert_int_equal(proc_stat_parse("cpux 1 2 3 4\n"
					 "cpu0 1 2 3 4\n"
					 "cpu0 9 9 9 9\n"	     /* repeat: skipped */
					 "cpu2 1 2 3 4 5 6 7 8 9 10 11 12\n" /* extra fields ignored */
					 "cpu1 1 2 3 4\n"	     /* step back: skipped */
					 "cpu3\n"
					 "cpu4 5 6 7 8", /* truncated, no newline */
					 &s),
			 0);
	assert_int_equal(s->n_cpus, 3);
	assert_int_equal(proc_stat_cpu(s, 0)->user, 1);
	assert_int_equal(proc_stat_cpu(s, 2)->guest_nice, 10);
	assert_null(proc_stat_cpu(s, 1));
	assert_int_equal(proc_stat_cpu(s, 4)->idle, 8);
	proc_stat_free(s);
	proc_stat_free(NULL);
}

static void test_4096(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	ProcStat *s = NULL;

	fprintf(f, "cpu  1 2 3 4 5 6 7 8 9 10\n");
	for (int c = 0; c < 4096; c++)
		fprintf(f, "cpu%d %d 0 0 100 0 0 0 0 0 0\n", c, c);
	fclose(f);
	assert_int_equal(proc_stat_parse(buf, &s), 0);
	assert_int_equal(s->n_cpus, 4096);
	assert_int_equal(proc_stat_cpu(s, 4095)->user, 4095);
	proc_stat_free(s);
	free(buf);
}

static void test_busy(void **state)
{
	CpuTimes a = { .user = 100, .idle = 1000, .iowait = 50, .guest = 10 };
	CpuTimes b = a;
	double pct;

	assert_int_equal(cpu_times_busy_percent(&a, &b, &pct), -ENODATA);
	/* 30 busy (user 10, system 5, irq 5, softirq 5, steal 5), 60 idle,
	 * 10 iowait: 30%.  guest (inside user) is not counted again. */
	b.user += 10, b.system += 5, b.irq += 5, b.softirq += 5, b.steal += 5;
	b.idle += 60, b.iowait += 10, b.guest += 10;
	assert_int_equal(cpu_times_busy_percent(&a, &b, &pct), 0);
	assert_true(pct > 29.999 && pct < 30.001);
	/* iowait going backwards (NOHZ) counts as 0, not as a huge number. */
	b.iowait = 0;
	assert_int_equal(cpu_times_busy_percent(&a, &b, &pct), 0);
	assert_true(pct > 33.333 && pct < 33.334);
	/* All busy. */
	b = a;
	b.nice += 7;
	assert_int_equal(cpu_times_busy_percent(&a, &b, &pct), 0);
	assert_true(pct == 100.0);
}

static void test_busy_samples(void **state)
{
	ProcStat *a = NULL, *b = NULL;
	double pct;

	assert_int_equal(proc_stat_parse("cpu0 0 0 0 0\ncpu1 0 0 0 0\n", &a), 0);
	assert_int_equal(proc_stat_parse("cpu0 80 0 0 20\ncpu2 1 1 1 1\n", &b), 0);
	assert_int_equal(proc_stat_busy_percent(a, b, 0, &pct), 0);
	assert_true(pct == 80.0);
	assert_int_equal(proc_stat_busy_percent(a, b, 1, &pct), -ENOENT);
	assert_int_equal(proc_stat_busy_percent(a, b, 2, &pct), -ENOENT);
	proc_stat_free(a);
	proc_stat_free(b);
}

static void test_fixture(void **state)
{
	char root[512];
	ProcStat *s = NULL;

	snprintf(root, sizeof(root), "%s/virtio-2cpu", getenv("KVMNET_FIXTURES"));
	setenv("KVMNET_SYSROOT", root, 1);
	sysroot_reset();
	assert_int_equal(proc_stat_read(&s), 0);
	assert_true(s->has_all);
	assert_int_equal(s->n_cpus, 2);
	assert_int_equal(s->cpus[1].cpu, 1);
	assert_int_equal(s->cpus[1].t.n_fields, 10);
	proc_stat_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modern),
		cmocka_unit_test(test_old),
		cmocka_unit_test(test_odd),
		cmocka_unit_test(test_4096),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_busy_samples),
		cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
