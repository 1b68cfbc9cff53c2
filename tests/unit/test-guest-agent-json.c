/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest agent's commands and replies.  The replies in
 * tests/unit/data/guest-agent were captured from a real qemu-ga 10.0.2
 * (see the README there); the ones written inline here are cut from them
 * or follow qga/qapi-schema.json, as each says. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "model/guest-agent-json.h"

static char *data(const char *name, size_t *ret_len)
{
	char path[4096], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/guest-agent/%s", getenv("KVMNET_TESTDATA"), name);
	assert_int_equal(read_user_file(path, 1 << 20, &text, &len), 0);
	*ret_len = len;
	return text;
}

static int status_of(const char *reply, GaExecStatus *st)
{
	return ga_parse_exec_status(reply, strlen(reply), st);
}

static void test_commands(void **state)
{
	char *argv[] = { "-c", "10.0.0.2", "-J", "quote\"back\\slash/", NULL }, *cmd = NULL;

	assert_int_equal(ga_exec_command("iperf3", argv, true, &cmd), 0);
	assert_string_equal(cmd, "{\"arguments\":{\"path\":\"iperf3\",\"arg\":[\"-c\",\"10.0.0.2\",\"-J\","
				 "\"quote\\\"back\\\\slash/\"],\"capture-output\":true},\"execute\":\"guest-exec\"}");
	free(cmd);
	assert_int_equal(ga_exec_command("kill", NULL, false, &cmd), 0);
	assert_string_equal(cmd, "{\"arguments\":{\"path\":\"kill\",\"arg\":[],\"capture-output\":false},"
				 "\"execute\":\"guest-exec\"}");
	free(cmd);
	assert_int_equal(ga_exec_command("", argv, true, &cmd), -EINVAL);
	assert_int_equal(ga_pid_command("guest-exec-status", 5796, &cmd), 0);
	assert_string_equal(cmd, "{\"arguments\":{\"pid\":5796},\"execute\":\"guest-exec-status\"}");
	free(cmd);
}

static void test_error(void **state)
{
	size_t len;
	char *r = data("error-exec-missing.json", &len), *desc = NULL;

	assert_int_equal(ga_parse_error(r, len, &desc), 0);
	/* The JSON's \u201C and \u201D, as UTF-8. */
	assert_string_equal(desc, "Failed to execute child process \xe2\x80\x9ciperf3-nope\xe2\x80\x9d (No such file "
				  "or directory)");
	free(desc);
	free(r);
	r = data("guest-exec.json", &len);
	assert_int_equal(ga_parse_error(r, len, &desc), -ENOENT);
	free(r);
	assert_int_equal(ga_parse_error("{\"error\": {}}", 13, &desc), 0);
	assert_string_equal(desc, "");
	free(desc);
	assert_int_equal(ga_parse_error("{\"error\": {\"desc\": 5}}", 22, &desc), 0);
	assert_string_equal(desc, "");
	free(desc);
	assert_int_equal(ga_parse_error("[]", 2, &desc), -EBADMSG);
	assert_int_equal(ga_parse_error("{\"error\"", 8, &desc), -EBADMSG);
}

static void test_exec(void **state)
{
	size_t len;
	char *reply = data("guest-exec.json", &len);
	int64_t pid = -1;

	assert_int_equal(ga_parse_exec(reply, len, &pid), 0);
	assert_true(pid > 0);
	free(reply);
	/* An error reply, as qemu-ga sends for a program it cannot start. */
	reply = data("error-exec-missing.json", &len);
	pid = -1;
	assert_int_equal(ga_parse_exec(reply, len, &pid), -EREMOTEIO);
	assert_int_equal(pid, -1);
	free(reply);
	assert_int_equal(ga_parse_exec("{\"return\": {\"pid\": 0}}", 22, &pid), -EBADMSG);
	assert_int_equal(ga_parse_exec("{\"return\": {\"pid\": 4294967296}}", 31, &pid), -EBADMSG);
	assert_int_equal(ga_parse_exec("{\"return\": {\"pid\": \"12\"}}", 25, &pid), -EBADMSG);
	assert_int_equal(ga_parse_exec("{\"return\": {}}", 14, &pid), -EBADMSG);
	assert_int_equal(ga_parse_exec("{\"return\": 12}", 14, &pid), -EBADMSG);
	assert_int_equal(pid, -1);
}

static void test_status_real(void **state)
{
	GaExecStatus st;
	size_t len;
	char *r;

	r = data("exec-status-version.json", &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_true(st.exited && st.has_exitcode && !st.has_signal);
	assert_int_equal(st.exitcode, 0);
	assert_true(strncmp((char *)st.out, "iperf 3.", 8) == 0);
	assert_int_equal(strlen((char *)st.out), st.out_len);
	assert_null(st.err);
	ga_exec_status_done(&st);
	free(r);

	r = data("exec-status-running.json", &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_false(st.exited || st.has_exitcode || st.has_signal);
	assert_null(st.out);
	ga_exec_status_done(&st);
	free(r);

	r = data("exec-status-signal.json", &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_true(st.exited && st.has_signal && !st.has_exitcode);
	assert_int_equal(st.signal, 15);
	ga_exec_status_done(&st);
	free(r);

	r = data("exec-status-out-err.json", &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_int_equal(st.exitcode, 3);
	assert_string_equal((char *)st.out, "out\n");
	assert_string_equal((char *)st.err, "err\n");
	assert_false(st.out_truncated || st.err_truncated);
	ga_exec_status_done(&st);
	assert_null(st.out);
	free(r);

	r = data("exec-status-127.json", &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_int_equal(st.exitcode, 127);
	ga_exec_status_done(&st);
	free(r);

	r = data("error-no-pid.json", &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), -EREMOTEIO);
	free(r);
}

static void test_status_odd(void **state)
{
	GaExecStatus st = { .exitcode = 42 };

	/* Members the schema makes optional, and one it does not. */
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"out-truncated\": true, \"out-data\": \"\"}}", &st),
			 0);
	assert_true(st.out_truncated);
	assert_int_equal(st.out_len, 0);
	assert_string_equal((char *)st.out, "");
	ga_exec_status_done(&st);
	st.exitcode = 42;
	assert_int_equal(status_of("{\"return\": {\"exitcode\": 0}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": 1}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"exitcode\": \"0\"}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"exitcode\": 1.5}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"exitcode\": 9999999999}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"out-data\": \"b3V0Cg=\"}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"err-data\": 5}}", &st), -EBADMSG);
	assert_int_equal(status_of("{\"return\": {\"exited\": true, \"out-data\": \"b3V0Cg==\", \"err-data\": \"!\"}}",
				   &st),
			 -EBADMSG);
	assert_int_equal(status_of("{\"return\": [true]}", &st), -EBADMSG);
	assert_int_equal(st.exitcode, 42);
	/* null is "absent", as the QAPI visitor treats it. */
	assert_int_equal(status_of("{\"return\": {\"exited\": false, \"signal\": null}}", &st), 0);
	assert_false(st.has_signal);
	ga_exec_status_done(&st);
	ga_exec_status_done(NULL);
}

static void test_not_json(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"return\": {\"exited\": tr",
		"garbage",
		"[1, 2]",
		"{\"return\": {\"exited\": true}} trailing",
		"{\"return\": {\"exited\": true},}",
		"\xff\xfe{}",
		"{\"return\": {\"exited\": true, \"x\": \"\xc3\x28\"}}",
	};
	GaExecStatus st;
	int64_t pid;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ga_parse_exec_status(bad[i], strlen(bad[i]), &st), -EBADMSG);
		assert_int_equal(ga_parse_exec(bad[i], strlen(bad[i]), &pid), -EBADMSG);
	}
	/* A length shorter than the text: only that much is read. */
	assert_int_equal(ga_parse_exec("{\"return\": {\"pid\": 7}}xyz", 22, &pid), 0);
	assert_int_equal(pid, 7);
	/* Nesting deeper than any reply. */
	char deep[200];
	memset(deep, '[', sizeof(deep));
	assert_int_equal(ga_parse_exec(deep, sizeof(deep), &pid), -EBADMSG);
}

static void test_truncated(void **state)
{
	size_t len, ok = 0;
	char *r = data("exec-status-out-err.json", &len);

	for (size_t i = 0; i < len; i++) {
		GaExecStatus st;

		if (ga_parse_exec_status(r, i, &st) == 0) {
			ok++;
			ga_exec_status_done(&st);
		}
	}
	/* Only the whole reply (the last byte is its newline). */
	assert_int_equal(ok, 1);
	free(r);
}

/* A reply of n 'A's of out-data (n a multiple of 4), exited or not. */
static char *big_reply(size_t n, bool exited, size_t *ret_len)
{
	char *r = malloc(n + 64);
	size_t len;

	if (!r)
		abort();
	len = (size_t)sprintf(r, "{\"return\": {\"exited\": %s, \"out-data\": \"", exited ? "true" : "false");
	memset(r + len, 'A', n);
	len += n;
	len += (size_t)sprintf(r + len, "\"}}");
	*ret_len = len;
	return r;
}

static void test_huge(void **state)
{
	/* Exactly GA_OUTPUT_MAX of output is read; one base64 quantum more is not. */
	size_t n = GA_OUTPUT_MAX / 3 * 4, len;
	char *r = big_reply(n, true, &len);
	GaExecStatus st;

	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_int_equal(st.out_len, n / 4 * 3);
	assert_int_equal(st.reply_len, len);
	ga_exec_status_done(&st);
	free(r);
	r = big_reply(n + 4, true, &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), -EFBIG);
	free(r);
	/* 12 MiB (qemu-ga would send up to 16): refused, not decoded. */
	r = big_reply(16u << 20, true, &len);
	assert_int_equal(ga_parse_exec_status(r, len, &st), -EFBIG);
	assert_int_equal(ga_parse_exec_status(r, GA_REPLY_MAX + 1, &st), -EFBIG);
	free(r);
}

/* A guest sending output with every "still running": none of it is
 * decoded or kept (bench polls every 200 ms; this used to pile up). */
static void test_output_only_when_exited(void **state)
{
	size_t len;
	char *r = big_reply(1u << 20, false, &len);
	GaExecStatus st;

	assert_int_equal(ga_parse_exec_status(r, len, &st), 0);
	assert_false(st.exited);
	assert_null(st.out);
	assert_int_equal(st.out_len, 0);
	assert_int_equal(st.reply_len, len);
	ga_exec_status_done(&st);
	free(r);
}

static void test_status_code(void **state)
{
	GaExecStatus st = { .exited = true, .has_exitcode = true };

	assert_int_equal(ga_exec_status_code(&st), 0);
	st.exitcode = 3;
	assert_int_equal(ga_exec_status_code(&st), 3);
	/* Not an errno (-ENOENT), not a wrapped status. */
	st.exitcode = -2;
	assert_int_equal(ga_exec_status_code(&st), 255);
	st.exitcode = 256;
	assert_int_equal(ga_exec_status_code(&st), 255);
	st = (GaExecStatus){ .exited = true, .has_signal = true, .signal = 15 };
	assert_int_equal(ga_exec_status_code(&st), 143);
	st.signal = INT_MAX; /* 128 + INT_MAX overflowed */
	assert_int_equal(ga_exec_status_code(&st), 255);
	st.signal = -9;
	assert_int_equal(ga_exec_status_code(&st), 255);
	st = (GaExecStatus){ .exited = true };
	assert_int_equal(ga_exec_status_code(&st), 255);
}

static void test_info(void **state)
{
	size_t len;
	char *r = data("guest-info.json", &len);
	bool enabled = false;

	assert_int_equal(ga_parse_info_command(r, len, "guest-exec", &enabled), 0);
	assert_true(enabled);
	assert_int_equal(ga_parse_info_command(r, len, "guest-exec-status", &enabled), 0);
	assert_int_equal(ga_parse_info_command(r, len, "guest-frobnicate", &enabled), -ENOENT);
	free(r);
	/* A guest admin's --block-rpcs=guest-exec shows as enabled: false. */
	r = "{\"return\": {\"version\": \"7.2.0\", \"supported_commands\": [{\"enabled\": false, \"name\": "
	    "\"guest-exec\", \"success-response\": true}]}}";
	assert_int_equal(ga_parse_info_command(r, strlen(r), "guest-exec", &enabled), 0);
	assert_false(enabled);
	r = "{\"return\": {\"version\": \"1\", \"supported_commands\": [{\"name\": \"guest-exec\"}]}}";
	assert_int_equal(ga_parse_info_command(r, strlen(r), "guest-exec", &enabled), -EBADMSG);
	r = "{\"return\": {\"version\": \"1\"}}";
	assert_int_equal(ga_parse_info_command(r, strlen(r), "guest-exec", &enabled), -EBADMSG);
}

static void test_interfaces_real(void **state)
{
	size_t len, n, idx, count;
	char *r = data("network-interfaces.json", &len);
	GuestIpv4 *v = NULL;

	assert_int_equal(ga_parse_interfaces(r, len, &v, &n), 0);
	/* lo's 127.0.0.1 and eth0's 192.0.2.2; IPv6 and bare ifb0/ifb1 skipped. */
	assert_int_equal(n, 2);
	assert_string_equal(v[0].ifname, "lo");
	assert_string_equal(v[1].ifname, "eth0");
	assert_string_equal(v[1].addr, "192.0.2.2");
	assert_int_equal(v[1].prefix, 24);
	assert_int_equal(guest_ipv4_pick(v, n, &idx, &count), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(count, 1);
	guest_ipv4_free(v, n);
	free(r);
}

static void test_interfaces_multi(void **state)
{
	size_t len, n, idx, count;
	char *r = data("network-interfaces-multi.json", &len);
	GuestIpv4 *v = NULL;

	assert_int_equal(ga_parse_interfaces(r, len, &v, &n), 0);
	assert_int_equal(n, 5);
	/* eth1's link-local is not global: 10.20.0.5 is the first, of three. */
	assert_int_equal(guest_ipv4_pick(v, n, &idx, &count), 0);
	assert_string_equal(v[idx].addr, "10.20.0.5");
	assert_string_equal(v[idx].ifname, "eth1");
	assert_int_equal(count, 3);
	guest_ipv4_free(v, n);
	free(r);
}

static void test_interfaces_odd(void **state)
{
	static const char *const bad[] = {
		"{\"return\": {}}",
		"{\"return\": [{\"ip-addresses\": []}]}",
		"{\"return\": [{\"name\": \"e\", \"ip-addresses\": {}}]}",
		"{\"return\": [{\"name\": \"e\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"prefix\": 8}]}]}",
		"{\"return\": [{\"name\": \"e\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"ip-address\": "
		"\"10.0.0.256\", \"prefix\": 8}]}]}",
		"{\"return\": [{\"name\": \"e\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"ip-address\": "
		"\"10.0.0.1\", \"prefix\": 33}]}]}",
		"{\"return\": [{\"name\": \"e\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"ip-address\": "
		"\"10.0.0.1 \", \"prefix\": 8}]}]}",
		"{\"return\": [7]}",
	};
	GuestIpv4 *v = (GuestIpv4 *)1;
	size_t n = 99, idx, count;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ga_parse_interfaces(bad[i], strlen(bad[i]), &v, &n), -EBADMSG);
	assert_ptr_equal(v, (GuestIpv4 *)1);
	assert_int_equal(n, 99);
	/* No interfaces at all; only loopback, link-local and multicast. */
	assert_int_equal(ga_parse_interfaces("{\"return\": []}", 14, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(guest_ipv4_pick(v, n, &idx, &count), -ENOENT);
	guest_ipv4_free(v, n);
	const GuestIpv4 none[] = {
		{ .ifname = "lo", .addr = "10.9.9.9" },	   { .ifname = "eth0", .addr = "127.0.0.2" },
		{ .ifname = "eth0", .addr = "169.254.1.1" }, { .ifname = "eth0", .addr = "224.0.0.1" },
		{ .ifname = "eth0", .addr = "0.0.0.0" },	   { .ifname = "eth0", .addr = "255.255.255.255" },
	};
	assert_int_equal(guest_ipv4_pick(none, 6, &idx, &count), -ENOENT);
	const GuestIpv4 one[] = { { .ifname = NULL, .addr = "100.64.0.1" } };
	assert_int_equal(guest_ipv4_pick(one, 1, &idx, &count), 0);
	assert_int_equal(idx, 0);
	guest_ipv4_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),	 cmocka_unit_test(test_error),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_status_real),	 cmocka_unit_test(test_status_odd),
		cmocka_unit_test(test_not_json),	 cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_output_only_when_exited),
		cmocka_unit_test(test_status_code),		 cmocka_unit_test(test_info),
		cmocka_unit_test(test_interfaces_real), cmocka_unit_test(test_interfaces_multi),
		cmocka_unit_test(test_interfaces_odd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
