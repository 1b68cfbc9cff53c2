/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/deadline.h"
#include "basic/macro.h"
#include "spawn.h"

#define MIN_LL(a, b) ((a) < (b) ? (a) : (b))

volatile sig_atomic_t spawn_interrupted;

/* Resolved before fork: getpwnam() is not safe in the child. */
static struct {
	bool set;
	uid_t uid;
	gid_t gid;
} run_as;

int spawn_set_user(const char *user)
{
	struct passwd *pw;

	if (!user) {
		run_as.set = false;
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return errno ? -errno : -ENOENT;
	run_as.set = true;
	run_as.uid = pw->pw_uid;
	run_as.gid = pw->pw_gid;
	return 0;
}

/* In the child: no supplementary groups, then the group, then the user,
 * each checked; an unprivileged kvmnetctl has nothing to drop. */
static void drop_to_user(void)
{
	if (!run_as.set || geteuid() != 0)
		return;
	if (setgroups(0, NULL) < 0 || setresgid(run_as.gid, run_as.gid, run_as.gid) < 0 ||
	    setresuid(run_as.uid, run_as.uid, run_as.uid) < 0)
		_exit(126);
}

long long spawn_now_ms(void)
{
	return (long long)(now_monotonic_us() / 1000);
}

static pid_t start(char *const argv[], int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* Own process group: a Ctrl-C reaches us, and we decide. */
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(null, 0);
	dup2(out_fd >= 0 ? out_fd : null, 1);
	dup2(err_fd >= 0 ? err_fd : null, 2);
	drop_to_user();
	execvp(argv[0], argv);
	_exit(127);
}

void spawn_stop(pid_t pid, int grace_ms)
{
	long long end = spawn_now_ms() + grace_ms;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (spawn_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		usleep(10000);
	}
}

/* Append what is readable on fd to a growing buffer; 0 at EOF. */
static int drain(int fd, char **buf, size_t *len)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	char *nb;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 1 : 0;
	nb = realloc(*buf, *len + (size_t)n + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + *len, chunk, (size_t)n);
	*len += (size_t)n;
	nb[*len] = 0;
	*buf = nb;
	return 1;
}

/* Read both pipes until both close or the deadline passes. */
static int collect(int fds[2], long long deadline, char *bufs[2])
{
	size_t lens[2] = {};
	int open_fds = 2;

	while (open_fds > 0) {
		struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		long long left = deadline - spawn_now_ms();

		if (spawn_interrupted)
			return -EINTR;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(p, 2, (int)MIN_LL(left, 200)) < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				int r = drain(fds[i], &bufs[i], &lens[i]);

				if (r < 0)
					return r;
				if (r == 0) {
					close(fds[i]);
					fds[i] = -1;
					open_fds--;
				}
			}
	}
	return 0;
}

int spawn_run(char *const argv[], int timeout_ms, char **ret_out, char **ret_err)
{
	int po[2], pe[2], fds[2], status, r;
	char *bufs[2] = {};
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		r = -errno;
		close(po[0]);
		close(po[1]);
		return r;
	}
	pid = start(argv, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	fds[0] = po[0];
	fds[1] = pe[0];
	r = pid < 0 ? -errno : collect(fds, spawn_now_ms() + timeout_ms, bufs);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r < 0) {
		spawn_stop(pid, 500);
		free(bufs[0]);
		free(bufs[1]);
		return r;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret_out)
		*ret_out = bufs[0] ? bufs[0] : strdup("");
	else
		free(bufs[0]);
	if (ret_err)
		*ret_err = bufs[1] ? bufs[1] : strdup("");
	else
		free(bufs[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int spawn_background(char *const argv[], pid_t *ret_pid)
{
	pid_t pid = start(argv, -1, -1);

	if (pid < 0)
		return -errno;
	*ret_pid = pid;
	return 0;
}

int spawn_exited(pid_t pid, int *ret_status)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);

	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 1;
}
