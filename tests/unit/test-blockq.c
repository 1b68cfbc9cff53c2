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
#include "basic/strv.h"
#include "host/blockq.h"
#include "host/sched.h"

static void parse_ok(const char *line, const char *want_cur, size_t want_n, const char *pick)
{
	char *cur = NULL, **avail = NULL;

	assert_int_equal(blockq_parse_scheduler(line, &cur, &avail), 0);
	if (want_cur)
		assert_string_equal(cur, want_cur);
	else
		assert_null(cur);
	assert_int_equal(strv_length(avail), want_n);
	if (pick)
		assert_string_equal(blockq_pick_deadline(avail), pick);
	else
		assert_null(blockq_pick_deadline(avail));
	free(cur);
	strv_free(avail);
}

static void test_parse(void **state)
{
	parse_ok("[mq-deadline] none", "mq-deadline", 2, "mq-deadline");
	parse_ok("[none] mq-deadline kyber bfq \n", "none", 4, "mq-deadline");
	parse_ok("noop deadline [cfq] ", "cfq", 3, "deadline");
	parse_ok("none", "none", 1, NULL);
	parse_ok("[none]", "none", 1, NULL);
	parse_ok("kyber bfq", NULL, 2, NULL);
}

static void test_parse_bad(void **state)
{
	char *cur = NULL, **avail = NULL;
	const char *bad[] = { "", " \n", "[none", "[a] [b]", "[]", "a [b c]", "x/y", "[mq-deadline]] none", "a\x01" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(blockq_parse_scheduler(bad[i], &cur, &avail), -EINVAL);
	assert_null(cur);
	assert_null(avail);
}

static void test_paths(void **state)
{
	char *p = NULL, *cur = NULL, **avail = NULL;

	assert_int_equal(blockq_scheduler_path("vda", &p), 0);
	assert_string_equal(p, "/sys/block/vda/queue/scheduler");
	free(p);
	assert_int_equal(blockq_scheduler_path("../x", &p), -EINVAL);
	assert_int_equal(blockq_scheduler_path("..", &p), -EINVAL);
	assert_int_equal(blockq_scheduler_path("", &p), -EINVAL);
	assert_int_equal(blockq_write_scheduler("vda", "mq deadline"), -EINVAL);
	assert_int_equal(blockq_read_scheduler("a/b", &cur, &avail), -EINVAL);
}

/* Detection on the three fixtures and on an empty tree. */
static void test_sched_detect(void **state)
{
	static const struct {
		const char *fixture;
		SchedFlavor f;
		size_t n;
	} cases[] = {
		{ "tune-sysctl", SCHED_FLAVOR_SYSCTL, 3 },
		{ "tune-debugfs", SCHED_FLAVOR_DEBUGFS, 3 },
		{ "tune-eevdf", SCHED_FLAVOR_EEVDF, 1 },
		{ "nonexistent", SCHED_FLAVOR_NONE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char root[512];
		const SchedKnob *k;
		size_t n;
		uint64_t v;

		snprintf(root, sizeof(root), "%s/%s", getenv("KVMNET_FIXTURES"), cases[i].fixture);
		setenv("KVMNET_SYSROOT", root, 1);
		sysroot_reset();
		assert_int_equal(sched_detect(), cases[i].f);
		k = sched_knobs(cases[i].f, &n);
		assert_int_equal(n, cases[i].n);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(sched_read(&k[j], &v), 0);
			assert_true(v > 0);
		}
		if (n)
			assert_int_equal(k[0].value, 4000000);
	}
	assert_string_equal(sched_flavor_to_string(SCHED_FLAVOR_EEVDF), "eevdf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_sched_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
