/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/line-diff.h"

static void check(const char *a, const char *b, unsigned ctx, const char *want)
{
	char *out = NULL;

	assert_int_equal(line_diff_unified(a, b, "a", "b", ctx, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_equal(void **state)
{
	check("", "", 3, "");
	check("x\ny\n", "x\ny\n", 3, "");
}

static void test_change(void **state)
{
	check("1\n2\n3\n4\n5\n", "1\n2\nthree\n4\n5\n", 1,
	      "--- a\n+++ b\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n");
}

static void test_insert_delete_edges(void **state)
{
	check("", "new\n", 3, "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+new\n");
	check("old\n", "", 3, "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-old\n");
	check("a\nb\n", "z\na\nb\n", 0, "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+z\n");
	/* No final newline is one more line, not a lost one. */
	check("a\nb", "a\nc", 0, "--- a\n+++ b\n@@ -2,1 +2,1 @@\n-b\n+c\n");
}

static void test_two_hunks(void **state)
{
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "X\n2\n3\n4\n5\n6\n7\n8\nY\n", 1,
	      "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-1\n+X\n 2\n@@ -8,2 +8,2 @@\n 8\n-9\n+Y\n");
	/* As GNU diff -U1: a gap of 3 > 2*1 lines splits, a gap of 2 does not. */
	check("1\n2\n3\n4\n5\n", "X\n2\n3\n4\nY\n", 1,
	      "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-1\n+X\n 2\n@@ -4,2 +4,2 @@\n 4\n-5\n+Y\n");
	check("1\n2\n3\n4\n", "X\n2\n3\nY\n", 1,
	      "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n-4\n+Y\n");
}

static void test_too_big(void **state)
{
	size_t n = (LINE_DIFF_MAX_LINES + 1) * 2;
	char *big = malloc(n + 1), *out = NULL;

	for (size_t k = 0; k < n; k += 2)
		memcpy(big + k, "x\n", 2);
	big[n] = 0;
	assert_int_equal(line_diff_unified(big, "", "a", "b", 3, &out), -E2BIG);
	assert_null(out);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_insert_delete_edges),
		cmocka_unit_test(test_two_hunks),
		cmocka_unit_test(test_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
