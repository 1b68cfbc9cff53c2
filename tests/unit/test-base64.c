/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/base64.h"

static void check(const char *in, const char *want)
{
	uint8_t *out = NULL;
	size_t n = 99;

	assert_int_equal(base64_decode(in, strlen(in), &out, &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 0); /* usable as a string */
	free(out);
}

static void bad(const char *in, int want)
{
	uint8_t *out = (uint8_t *)"untouched";
	size_t n = 7;

	assert_int_equal(base64_decode(in, strlen(in), &out, &n), want);
	assert_string_equal((const char *)out, "untouched");
	assert_int_equal(n, 7);
}

/* The RFC 4648 section 10 test vectors, padded and not. */
static void test_rfc4648(void **state)
{
	check("", "");
	check("Zg==", "f");
	check("Zm8=", "fo");
	check("Zm9v", "foo");
	check("Zm9vYg==", "foob");
	check("Zm9vYmE=", "fooba");
	check("Zm9vYmFy", "foobar");
	check("Zg", "f");
	check("Zm8", "fo");
	check("Zm9vYmE", "fooba");
}

/* What qemu-ga sends: g_base64_encode() of iperf3's stderr. */
static void test_agent_output(void **state)
{
	check("aXBlcmYzOiBlcnJvciAtIHVuYWJsZSB0byBjb25uZWN0IHRvIHNlcnZlcjogQ29ubmVjdGlvbiByZWZ1c2VkCg==",
	      "iperf3: error - unable to connect to server: Connection refused\n");
}

static void test_binary(void **state)
{
	uint8_t in[256], *out = NULL;
	size_t n;
	char *enc;

	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	for (size_t len = 0; len <= 256; len += 37) {
		enc = base64_encode(in, len);
		assert_non_null(enc);
		assert_int_equal(strlen(enc), (len + 2) / 3 * 4);
		assert_int_equal(base64_decode(enc, strlen(enc), &out, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
		free(out);
		free(enc);
	}
}

static void test_garbage(void **state)
{
	bad("Z", -EINVAL);        /* a group of one character holds no byte */
	bad("Zm9vY", -EINVAL);
	bad("Zg=", -EINVAL);      /* padding to no full group */
	bad("Zg===", -EINVAL);
	bad("====", -EINVAL);
	bad("Z===", -EINVAL);
	bad("Zg==Zg==", -EINVAL); /* padding in the middle */
	bad("Zm9v\n", -EINVAL);   /* white space */
	bad("Zm 9v", -EINVAL);
	bad("Zm9v-_", -EINVAL);   /* the URL alphabet is not this one */
	bad("Zh==", -EINVAL);     /* non-zero bits after the last byte */
	bad("Zm9=", -EINVAL);
	bad("\xff\xfe", -EINVAL);
}

static void test_truncated(void **state)
{
	const char *full = "Zm9vYmFy";
	uint8_t *out;
	size_t n;

	/* Every prefix decodes or is refused, never read past its length:
	 * whole groups decode; the others here have non-zero spare bits
	 * ("Zm" is not 'f', which is "Zg"; "Zm9" is not "fo", "Zm8" is). */
	for (size_t len = 0; len <= strlen(full); len++) {
		int r = base64_decode(full, len, &out, &n);

		assert_int_equal(r, len % 4 == 0 ? 0 : -EINVAL);
		if (r == 0) {
			assert_int_equal(n, len * 3 / 4);
			free(out);
		}
	}
}

static void test_huge(void **state)
{
	size_t len = BASE64_DECODE_MAX + 4;
	char *big = malloc(len);
	uint8_t *out;
	size_t n;

	assert_non_null(big);
	memset(big, 'A', len);
	assert_int_equal(base64_decode(big, len, &out, &n), -EFBIG);
	/* Just below the limit it works: 48 MiB of zeros. */
	assert_int_equal(base64_decode(big, BASE64_DECODE_MAX, &out, &n), 0);
	assert_int_equal(n, BASE64_DECODE_MAX / 4 * 3);
	assert_int_equal(out[0] | out[n - 1], 0);
	free(out);
	free(big);
	assert_int_equal(base64_decode(NULL, 0, &out, &n), 0);
	free(out);
	assert_int_equal(base64_decode(NULL, 3, &out, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648),  cmocka_unit_test(test_agent_output), cmocka_unit_test(test_binary),
		cmocka_unit_test(test_garbage),  cmocka_unit_test(test_truncated),    cmocka_unit_test(test_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
