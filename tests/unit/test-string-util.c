/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "basic/strv.h"

static void test_utf8_char_len(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_len("a", 1), 1);
	assert_int_equal(utf8_char_len("\xc3\xa9", 2), 2);         /* é */
	assert_int_equal(utf8_char_len("\xe2\x82\xac", 3), 3);     /* € */
	assert_int_equal(utf8_char_len("\xf0\x9f\x98\x80", 4), 4); /* U+1F600 */
	assert_int_equal(utf8_char_len("\xe2\x82\xac", 2), 0);     /* cut */
	assert_int_equal(utf8_char_len("\x82", 1), 0);             /* continuation */
	assert_int_equal(utf8_char_len("\xc0\xaf", 2), 0);         /* overlong / */
	assert_int_equal(utf8_char_len("\xe0\x80\xaf", 3), 0);     /* overlong / */
	assert_int_equal(utf8_char_len("\xed\xa0\x80", 3), 0);     /* surrogate */
	assert_int_equal(utf8_char_len("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(utf8_char_len("", 0), 0);
}

static void test_utf8_truncate(void **state)
{
	char s[] = "ab\xe2\x82\xac" "cd", t[] = "abc", u[] = "\xc3\xa9\xc3\xa9";

	(void)state;
	/* Not in the middle of the euro sign. */
	assert_string_equal(utf8_truncate(s, 4), "ab");
	assert_string_equal(utf8_truncate(t, 3), "abc");
	assert_string_equal(utf8_truncate(t, 2), "ab");
	assert_string_equal(utf8_truncate(u, 3), "\xc3\xa9");
	assert_null(utf8_truncate(NULL, 3));
}

static void check_escape(const char *in, size_t max, const char *want)
{
	char *e = str_escape_untrusted(in, max);

	assert_non_null(e);
	assert_string_equal(e, want);
	free(e);
}

static void test_escape_untrusted(void **state)
{
	(void)state;
	check_escape("iperf3: error - unable to connect", 100, "iperf3: error - unable to connect");
	check_escape("caf\xc3\xa9 \xe2\x82\xac", 100, "caf\xc3\xa9 \xe2\x82\xac");
	/* A cursor movement, a title change, a fake line. */
	check_escape("\x1b[2J\x1b]0;x\x07ok", 100, "\\x1b[2J\\x1b]0;x\\x07ok");
	check_escape("a\nkvmnetctl bench: all fine\r\t", 100, "a\\nkvmnetctl bench: all fine\\r\\t");
	check_escape("back\\slash \x7f", 100, "back\\\\slash \\x7f");
	/* C1 CSI as UTF-8 and as a raw byte; a stray continuation byte. */
	check_escape("\xc2\x9b" "1m \x9b \x80", 100, "\\xc2\\x9b1m \\x9b \\x80");
	check_escape(NULL, 100, "");
	check_escape("abcdef", 3, "abc...");
	/* Not in the middle of a character. */
	check_escape("ab\xe2\x82\xac", 4, "ab...");
}

static void test_snprintf_utf8(void **state)
{
	char buf[6];

	(void)state;
	/* "ab€" is 5 bytes: it fits; "abc€" does not, and the euro goes whole. */
	assert_int_equal(snprintf_utf8(buf, sizeof(buf), "ab%s", "\xe2\x82\xac"), 5);
	assert_string_equal(buf, "ab\xe2\x82\xac");
	assert_int_equal(snprintf_utf8(buf, sizeof(buf), "abc%s", "\xe2\x82\xac"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(snprintf_utf8(buf, sizeof(buf), "%s", "abcdefgh"), 5);
	assert_string_equal(buf, "abcde");
}

static void test_strv_join_extendf(void **state)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *empty = strv_join(NULL, ", "), *joined = NULL;

	assert_string_equal(empty, "");
	assert_int_equal(strv_extendf(&l, "a%d", 1), 0);
	assert_int_equal(strv_extendf(&l, "%s", "bb"), 0);
	joined = strv_join(l, ", ");
	assert_string_equal(joined, "a1, bb");
	assert_int_equal(strv_length(l), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_char_len),
		cmocka_unit_test(test_utf8_truncate),
		cmocka_unit_test(test_escape_untrusted),
		cmocka_unit_test(test_strv_join_extendf),
		cmocka_unit_test(test_snprintf_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
