/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest agent protocol of `kvmnetctl bench` against a real qemu-ga.
 * qemu-ga runs on this machine, listening on a unix socket of this test's
 * own (`qemu-ga -m unix-listen`), so the "guest" is this host: the
 * commands core/guest-agent-json.h builds go to the real agent, and its
 * real replies come back through the parsers, as kvmnetctl sends and reads
 * them through virDomainQemuAgentCommand().  What libvirt adds in between
 * (the channel, errors as virError) is covered by tests/lab.
 *
 * Exit 77 (skip) when qemu-ga or iperf3 is not installed.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "model/guest-agent-json.h"
#include "measure/iperf3-json.h"

extern char **environ;

static char dir[] = "/tmp/kvmnet-qga-XXXXXX";
static pid_t agent_pid = -1;
static int agent_fd = -1;

static bool in_path(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static int agent_start(void **state)
{
	char sock[64], statedir[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	if (mkdir(statedir, 0700) < 0)
		return -1;
	char *argv[] = { "qemu-ga", "-m", "unix-listen", "-p", sock, "-t", statedir, NULL };
	if (posix_spawnp(&agent_pid, "qemu-ga", NULL, NULL, argv, environ) != 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	for (int i = 0; i < 100; i++) {
		agent_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(agent_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		close(agent_fd);
		agent_fd = -1;
		usleep(50000);
	}
	return -1;
}

static int agent_stop(void **state)
{
	char cmd[300];

	if (agent_fd >= 0)
		close(agent_fd);
	if (agent_pid > 0) {
		kill(agent_pid, SIGTERM);
		waitpid(agent_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One command, one reply line (qemu-ga answers each with one line). */
static char *agent(const char *cmd)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);

	assert_non_null(buf);
	assert_int_equal(write(agent_fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	assert_int_equal(write(agent_fd, "\n", 1), 1);
	while (len == 0 || buf[len - 1] != '\n') {
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		ssize_t n = read(agent_fd, buf + len, cap - len - 1);
		assert_true(n > 0);
		len += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

static int64_t exec_start(const char *path, char *const argv[])
{
	char *cmd = NULL, *reply;
	int64_t pid = -1;

	assert_int_equal(ga_exec_command(path, argv, true, &cmd), 0);
	reply = agent(cmd);
	if (ga_parse_exec(reply, strlen(reply), &pid) < 0)
		fail_msg("guest-exec %s: %s", path, reply);
	free(reply);
	free(cmd);
	return pid;
}

/* Poll as bench-vm.c does, every 100 ms, up to 20 s. */
static void exec_wait(int64_t pid, GaExecStatus *st)
{
	char *cmd = NULL;

	assert_int_equal(ga_pid_command("guest-exec-status", pid, &cmd), 0);
	for (int i = 0; i < 200; i++) {
		char *reply = agent(cmd);

		if (ga_parse_exec_status(reply, strlen(reply), st) < 0)
			fail_msg("guest-exec-status: %s", reply);
		free(reply);
		if (st->exited) {
			free(cmd);
			return;
		}
		ga_exec_status_done(st);
		usleep(100000);
	}
	fail_msg("pid %lld did not exit", (long long)pid);
}

static void test_info(void **state)
{
	char *reply = agent("{\"execute\":\"guest-info\"}");
	bool on = false;

	assert_int_equal(ga_parse_info_command(reply, strlen(reply), "guest-exec", &on), 0);
	assert_true(on);
	assert_int_equal(ga_parse_info_command(reply, strlen(reply), "guest-exec-status", &on), 0);
	assert_true(on);
	free(reply);
}

static void test_exec_output(void **state)
{
	char *argv[] = { "-c", "printf 'out\\n'; printf 'err: %s\\n' \"$1\" >&2; exit 3", "sh", "a \"quoted\" arg", NULL };
	GaExecStatus st;

	exec_wait(exec_start("sh", argv), &st);
	assert_true(st.has_exitcode);
	assert_int_equal(st.exitcode, 3);
	assert_string_equal((char *)st.out, "out\n");
	assert_string_equal((char *)st.err, "err: a \"quoted\" arg\n");
	ga_exec_status_done(&st);
}

/* What bench-vm.c turns into "install iperf3 in DOMAIN". */
static void test_exec_missing(void **state)
{
	char *cmd = NULL, *reply;
	int64_t pid;

	assert_int_equal(ga_exec_command("kvmnet-no-such-program", NULL, true, &cmd), 0);
	reply = agent(cmd);
	assert_int_equal(ga_parse_exec(reply, strlen(reply), &pid), -EREMOTEIO);
	assert_non_null(strstr(reply, "No such file"));
	free(reply);
	free(cmd);
}

/* guest_kill(): `kill PID` through guest-exec, and the status says so. */
static void test_kill(void **state)
{
	char *sleep_argv[] = { "30", NULL }, p[24], *kill_argv[] = { p, NULL };
	int64_t pid = exec_start("sleep", sleep_argv);
	GaExecStatus st;

	snprintf(p, sizeof(p), "%lld", (long long)pid);
	exec_wait(exec_start("kill", kill_argv), &st);
	assert_int_equal(st.exitcode, 0);
	ga_exec_status_done(&st);
	exec_wait(pid, &st);
	assert_true(st.has_signal && !st.has_exitcode);
	assert_int_equal(st.signal, SIGTERM);
	ga_exec_status_done(&st);
}

static unsigned free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* A run as bench-vm.c makes it: a one-off server started through the
 * agent, a client through the agent retried until the server listens,
 * the client's -J output decoded and parsed, the server gone by itself. */
static void test_iperf3_run(void **state, bool udp)
{
	char port[8], *srv[] = { "-s", "-1", "--idle-timeout", "20", "-p", port, NULL };
	/* For TCP the NULL ends the list before -u -b. */
	char *cli[] = { "-c", "127.0.0.1", "-p", port, "-J", "-t", "1", "--connect-timeout", "1000", udp ? "-u" : NULL,
			"-b", "100M", NULL };
	int64_t server;
	GaExecStatus st;
	double bps = 0, lost = -1;
	int r = -1;

	snprintf(port, sizeof(port), "%u", free_port());
	server = exec_start("iperf3", srv);
	for (int attempt = 0; attempt < 50 && r < 0; attempt++) {
		char *err = NULL;

		exec_wait(exec_start("iperf3", cli), &st);
		assert_non_null(st.out);
		r = iperf3_json_parse((char *)st.out, st.out_len, udp, &bps, &lost, &err);
		if (r < 0 && !(err && strstr(err, "unable to connect")))
			fail_msg("iperf3 through the agent: %s", err ? err : "?");
		free(err);
		ga_exec_status_done(&st);
		if (r < 0)
			usleep(100000);
	}
	assert_int_equal(r, 0);
	assert_true(bps > 0);
	assert_true(lost >= 0 && lost <= 100);
	exec_wait(server, &st);
	assert_true(st.has_exitcode);
	assert_int_equal(st.exitcode, 0);
	ga_exec_status_done(&st);
}

static void test_iperf3_tcp(void **state)
{
	test_iperf3_run(state, false);
}

static void test_iperf3_udp(void **state)
{
	test_iperf3_run(state, true);
}

/* The address picked is one this machine really has on that interface. */
static void test_interfaces(void **state)
{
	char *reply = agent("{\"execute\":\"guest-network-get-interfaces\"}");
	struct ifaddrs *ifs, *i;
	GuestIpv4 *v = NULL;
	size_t n = 0, idx, count;
	bool found = false;

	assert_int_equal(ga_parse_interfaces(reply, strlen(reply), &v, &n), 0);
	assert_true(n >= 1); /* lo at least */
	if (guest_ipv4_pick(v, n, &idx, &count) < 0) {
		guest_ipv4_free(v, n);
		free(reply);
		skip(); /* no global IPv4 on this machine */
	}
	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i; i = i->ifa_next) {
		char a[INET_ADDRSTRLEN];

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
		found |= streq(a, v[idx].addr) && streq(i->ifa_name, v[idx].ifname);
	}
	freeifaddrs(ifs);
	if (!found)
		fail_msg("picked %s on %s, which getifaddrs() does not list", v[idx].addr, v[idx].ifname);
	guest_ipv4_free(v, n);
	free(reply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),	   cmocka_unit_test(test_exec_output), cmocka_unit_test(test_exec_missing),
		cmocka_unit_test(test_kill),	   cmocka_unit_test(test_iperf3_tcp),  cmocka_unit_test(test_iperf3_udp),
		cmocka_unit_test(test_interfaces),
	};

	if (!in_path("qemu-ga") || !in_path("iperf3")) {
		printf("qemu-ga or iperf3 is not installed; skipping\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, agent_start, agent_stop);
}
