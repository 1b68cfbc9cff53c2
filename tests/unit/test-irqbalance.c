/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/host/irqbalance.c against a fake irqbalance: a real process (a copy
 * of sleep named irqbalance) that a fake /proc shows as root's, and a
 * socket bound where irqbalance 1.9 binds its own, served by a child
 * process that records the exact bytes and the credentials it received,
 * as irqbalance's sock_handle() reads them.  Impostors (another uid, an
 * executable not root's, deleted or otherwise named) are passed over, on
 * the fake /proc and on this machine's own. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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
#include <unistd.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "host/irqbalance.h"
#include "../lib/fake-proc.h"
#include "../lib/tmp-root.h"

#define NOBODY 65534

static char root[TMP_ROOT_MAX];

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmp_root_put(root, rel, content), 0);
}

static int setup(void **state)
{
	return tmp_root_new(root, "irqbalance");
}

static int teardown(void **state)
{
	return tmp_root_remove(root);
}

/* A running "irqbalance" that the fake /proc shows as root's: its own
 * program, owned by root (the test must run as root to make one). */
static pid_t roots_irqbalance(void)
{
	char bin[256];
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(fake_proc_program(root, "irqbalance", 0755, 0, bin, sizeof(bin)), 0);
	pid = fake_proc_spawn(bin, "irqbalance", 0);
	assert_true(pid > 0);
	assert_int_equal(fake_proc_entries(root, pid, "irqbalance", 0, bin), 0);
	return pid;
}

/* Bind the fake irqbalance socket; a child accepts one connection and
 * writes "uid=N len=L:" and the bytes received to the pipe. */
static pid_t serve_once(const char *path, int *ret_pipe)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int one = 1, fd, p[2];
	pid_t pid;

	unlink(path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[500], ctrl[CMSG_SPACE(sizeof(struct ucred))], out[700];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
				     .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *c;
		int s = accept(fd, NULL, NULL), uid = -1, n;
		ssize_t len;

		len = s < 0 ? -1 : recvmsg(s, &mh, 0);
		c = len >= 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			uid = (int)((struct ucred *)CMSG_DATA(c))->uid;
		n = snprintf(out, sizeof(out), "uid=%d len=%zd:", uid, len);
		if (len > 0)
			memcpy(out + n, buf, (size_t)len), n += (int)len;
		(void)!write(p[1], out, (size_t)n);
		_exit(0);
	}
	close(fd);
	close(p[1]);
	*ret_pipe = p[0];
	return pid;
}

static char *collect(pid_t pid, int fd)
{
	static char got[800];
	ssize_t n;
	int status;

	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_true(n > 0);
	got[n] = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return got;
}

static void test_format(void **state)
{
	unsigned irqs[100];
	char *s = NULL;

	assert_int_equal(irqbalance_format_ban(NULL, 0, &s), 0);
	assert_string_equal(s, "settings ban irqs NONE");
	free(s);
	irqs[0] = 37, irqs[1] = 38, irqs[2] = 1024;
	assert_int_equal(irqbalance_format_ban(irqs, 3, &s), 0);
	assert_string_equal(s, "settings ban irqs 37 38 1024");
	free(s);
	/* 51 four-digit irqs: 254 bytes of list fit, 52 do not. */
	for (int i = 0; i < 100; i++)
		irqs[i] = 1000 + (unsigned)i;
	assert_int_equal(irqbalance_format_ban(irqs, 51, &s), 0);
	assert_int_equal(strlen(s), strlen("settings ban irqs ") + 51 * 5 - 1);
	free(s);
	assert_int_equal(irqbalance_format_ban(irqs, 52, &s), -E2BIG);
}

static void test_find(void **state)
{
	pid_t pid = 0, real;
	char *path = NULL;
	int fd = -1;

	put("/proc/1/comm", "systemd\n");
	put("/proc/self/comm", "irqbalance\n"); /* not a pid: skipped */
	put("/proc/17/cmdline", "");		/* gone before comm was read */
	assert_int_equal(irqbalance_find_pid(&pid, NULL), -ESRCH);
	/* Named so, but no such process (pid_max is at most 4194304). */
	put("/proc/2000000000/comm", "irqbalance\n");
	assert_int_equal(irqbalance_find_pid(&pid, NULL), -ESRCH);
	real = roots_irqbalance();
	assert_int_equal(irqbalance_find_pid(&pid, &fd), 0);
	assert_int_equal(pid, real);
	assert_true(fd >= 0);
	close(fd);
	/* Running, but no socket (built without the UI, or pre-1.4). */
	assert_int_equal(irqbalance_socket_path(pid, &path), -ENOENT);
	assert_int_equal(irqbalance_ban_irqs(NULL, 0), -ENOENT);
	assert_true(fake_proc_kill(real));
}

/* Every way a process can take the name without being root's irqbalance;
 * each has the lower pid, so the real one is found only past them. */
static void test_impostors(void **state)
{
	char mine[256], open_bin[256], other[256], deleted[300];
	pid_t decoys[5], real, pid = 0;
	int fd = -1;

	assert_int_equal(fake_proc_program(root, "irqbalance.user", 0755, NOBODY, mine, sizeof(mine)), 0);
	assert_int_equal(fake_proc_program(root, "irqbalance.open", 0777, 0, open_bin, sizeof(open_bin)), 0);
	assert_int_equal(fake_proc_program(root, "sleep", 0755, 0, other, sizeof(other)), 0);
	snprintf(deleted, sizeof(deleted), "%s/irqbalance (deleted)", root);
	for (int i = 0; i < 5; i++) {
		decoys[i] = fake_proc_spawn(other, "irqbalance", 0);
		assert_true(decoys[i] > 0);
	}
	/* A local user's process under the name. */
	assert_int_equal(fake_proc_entries(root, decoys[0], "irqbalance", NOBODY, other), 0);
	/* Root's, but from a file a user owns (and could have replaced). */
	assert_int_equal(fake_proc_entries(root, decoys[1], "irqbalance", 0, mine), 0);
	/* Root's, from a file anyone may write. */
	if (geteuid() == 0)
		assert_int_equal(fake_proc_entries(root, decoys[2], "irqbalance", 0, open_bin), 0);
	/* Root's, from a program of another name (comm is settable). */
	assert_int_equal(fake_proc_entries(root, decoys[3], "irqbalance", 0, other), 0);
	/* Root's, from an executable deleted since. */
	assert_int_equal(fake_proc_entries(root, decoys[4], "irqbalance", 0, deleted), 0);
	assert_int_equal(irqbalance_find_pid(&pid, NULL), -ESRCH);
	real = roots_irqbalance();
	assert_int_equal(irqbalance_find_pid(&pid, &fd), 0);
	assert_int_equal(pid, real);
	close(fd);
	for (int i = 0; i < 5; i++)
		assert_true(fake_proc_kill(decoys[i]));
	assert_true(fake_proc_kill(real));
}

/* This machine's /proc: a local user's program named irqbalance is not
 * taken for irqbalance, nor told anything. */
static void test_impostor_on_this_host(void **state)
{
	char bin[256];
	unsigned irqs[] = { 37 };
	pid_t decoy, pid = 0;
	int r;

	assert_int_equal(chmod(root, 0755), 0);
	assert_int_equal(fake_proc_program(root, "irqbalance", 0755, NOBODY, bin, sizeof(bin)), 0);
	decoy = fake_proc_spawn(bin, "irqbalance", NOBODY);
	assert_true(decoy > 0);
	unsetenv("KVMNET_SYSROOT");
	sysroot_reset();
	/* Until exec has named it irqbalance. */
	for (int i = 0; i < 200; i++) {
		char p[64], comm[32] = "";
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%d/comm", (int)decoy);
		f = fopen(p, "re");
		if (f && fgets(comm, sizeof(comm), f) && streq(comm, "irqbalance\n")) {
			fclose(f);
			break;
		}
		if (f)
			fclose(f);
		usleep(10000);
	}
	r = irqbalance_find_pid(&pid, NULL);
	/* A real irqbalance may run here: then it is that one. */
	assert_true(r == -ESRCH || (r == 0 && pid != decoy));
	if (r == -ESRCH)
		assert_int_equal(irqbalance_ban_irqs(irqs, 1), -ESRCH);
	setenv("KVMNET_SYSROOT", root, 1);
	sysroot_reset();
	assert_true(fake_proc_kill(decoy));
}

static void test_send(void **state)
{
	unsigned irqs[] = { 37, 38, 39 };
	char sock[512];
	int fd;
	pid_t child, real;

	real = roots_irqbalance();
	put("/run/irqbalance/.keep", "");
	snprintf(sock, sizeof(sock), "%s/run/irqbalance/irqbalance%d.sock", root, (int)real);

	child = serve_once(sock, &fd);
	assert_int_equal(irqbalance_ban_irqs(irqs, 3), 0);
	/* Exactly the command, no newline or NUL, with our uid attached. */
	{
		char want[64];

		snprintf(want, sizeof(want), "uid=%d len=26:settings ban irqs 37 38 39", (int)geteuid());
		assert_string_equal(collect(child, fd), want);
	}

	/* The whole list each time: a second call replaces, so it repeats
	 * what is still wanted; an empty list clears. */
	child = serve_once(sock, &fd);
	assert_int_equal(irqbalance_ban_irqs(irqs, 1), 0);
	assert_true(strstr(collect(child, fd), ":settings ban irqs 37") != NULL);
	child = serve_once(sock, &fd);
	assert_int_equal(irqbalance_ban_irqs(NULL, 0), 0);
	assert_true(strstr(collect(child, fd), "len=22:settings ban irqs NONE") != NULL);

	/* Nobody listening: the socket file is stale. */
	assert_int_equal(irqbalance_ban_irqs(irqs, 3), -ECONNREFUSED);
	assert_true(fake_proc_kill(real));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impostors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impostor_on_this_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
