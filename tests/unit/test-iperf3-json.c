/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iperf3 -J output; the files in tests/unit/data/iperf3 come from iperf
 * 3.12 (see the README there). */
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
#include "measure/iperf3-json.h"

static char *data(const char *name, size_t *len)
{
	char path[4096], *text = NULL;

	snprintf(path, sizeof(path), "%s/iperf3/%s", getenv("KVMNET_TESTDATA"), name);
	assert_int_equal(read_user_file(path, 1 << 20, &text, len), 0);
	return text;
}

static void test_real(void **state)
{
	double bps = -1, lost = -1;
	char *err = NULL, *t;
	size_t len;

	t = data("tcp.json", &len);
	assert_int_equal(iperf3_json_parse(t, len, false, &bps, &lost, &err), 0);
	assert_float_equal(bps, 5856535425.314576, 1e-3);
	assert_float_equal(lost, 0, 0);
	free(t);

	t = data("udp.json", &len);
	assert_int_equal(iperf3_json_parse(t, len, true, &bps, &lost, &err), 0);
	/* end.sum_received, the receiver's rate, not the sender's. */
	assert_float_equal(bps, 99587532.6035992, 1e-3);
	assert_float_equal(lost, 0.5235602094240838, 1e-12);
	free(t);

	t = data("udp-old.json", &len);
	assert_int_equal(iperf3_json_parse(t, len, true, &bps, &lost, &err), 0);
	assert_float_equal(bps, 100130797.27462348 * (1 - 0.5235602094240838 / 100), 1e-3);
	/* TCP has no such fallback: the sender's sum is not what arrived. */
	assert_int_equal(iperf3_json_parse(t, len, false, &bps, &lost, &err), -EBADMSG);
	assert_non_null(strstr(err, "sum_received"));
	free(err);
	free(t);

	t = data("refused.json", &len);
	bps = -1;
	assert_int_equal(iperf3_json_parse(t, len, false, &bps, &lost, &err), -EREMOTEIO);
	assert_string_equal(err, "unable to connect to server: Connection refused");
	assert_float_equal(bps, -1, 0);
	free(err);
	free(t);
}

static void test_odd(void **state)
{
	static const struct {
		const char *text;
		int r;
	} cases[] = {
		{ "", -EBADMSG },
		{ "iperf3: error - unable to connect", -EBADMSG },
		{ "{\"start\": {}", -EBADMSG },
		{ "[]", -EBADMSG },
		{ "{}", -EBADMSG },
		{ "{\"end\": []}", -EBADMSG },
		{ "{\"end\": {}}", -EBADMSG },
		{ "{\"end\": {\"sum_received\": {}}}", -EBADMSG },
		{ "{\"end\": {\"sum_received\": {\"bits_per_second\": \"9e9\"}}}", -EBADMSG },
		{ "{\"end\": {\"sum_received\": {\"bits_per_second\": -1}}}", -EBADMSG },
		{ "{\"end\": {\"sum_received\": {\"bits_per_second\": 9e9}}}", 0 },
		{ "{\"end\": {\"sum_received\": {\"bits_per_second\": 10}}}", 0 },
		{ "{\"error\": 5, \"end\": {\"sum_received\": {\"bits_per_second\": 10}}}", 0 },
	};
	double bps, lost;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		int r = iperf3_json_parse(cases[i].text, strlen(cases[i].text), false, &bps, &lost, &err);

		if (r != cases[i].r)
			fail_msg("'%s': %d, want %d", cases[i].text, r, cases[i].r);
		assert_true(r == 0 ? err == NULL : err != NULL);
		free(err);
	}
	const char *t = "{\"end\": {\"sum_received\": {\"bits_per_second\": 1, \"lost_percent\": 101}}}";
	assert_int_equal(iperf3_json_parse(t, strlen(t), true, &bps, &lost, NULL), -EBADMSG);
	t = "{\"end\": {\"sum_received\": {\"bits_per_second\": 1, \"lost_percent\": \"x\"}}}";
	assert_int_equal(iperf3_json_parse(t, strlen(t), true, &bps, &lost, NULL), -EBADMSG);
	assert_int_equal(iperf3_json_parse(t, IPERF3_JSON_MAX + 1, true, &bps, &lost, NULL), -EFBIG);
}

static void test_truncated(void **state)
{
	size_t len, ok = 0;
	char *t = data("udp.json", &len);
	double bps, lost;

	for (size_t i = 0; i < len; i++) {
		char *err = NULL;

		if (iperf3_json_parse(t, i, true, &bps, &lost, &err) == 0)
			ok++;
		free(err);
	}
	/* Only the whole document less its final newline. */
	assert_int_equal(ok, 1);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_odd),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
