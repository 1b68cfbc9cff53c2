/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <spawn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "irqbalance.h"
#include "pidfd.h"
#include "process.h"

#define BAN_PREFIX "settings ban irqs "
/* irqbalance 1.9 copies the list into char irq_buf[256]. */
#define BAN_LIST_MAX 255

int irqbalance_find_pid(pid_t *ret_pid, int *ret_pidfd)
{
	return process_find_root_exe("irqbalance", ret_pid, ret_pidfd);
}

int irqbalance_socket_path(pid_t pid, char **ret)
{
	_cleanup_free_ char *p = NULL;
	char rel[64];
	int r;

	snprintf(rel, sizeof(rel), "/run/irqbalance/irqbalance%d.sock", (int)pid);
	r = access_root(rel, F_OK);
	if (r < 0)
		return r;
	r = root_path(&p, "%s", rel);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int irqbalance_format_ban(const unsigned *irqs, size_t n, char **ret)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fputs(BAN_PREFIX, f);
	if (n == 0)
		fputs("NONE", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, i ? " %u" : "%u", irqs[i]);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (size - strlen(BAN_PREFIX) > BAN_LIST_MAX) {
		free(buf);
		return -E2BIG;
	}
	*ret = buf;
	return 0;
}

static int connect_unix(const char *path)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

int irqbalance_send(const char *path, const char *cmd)
{
	_cleanup_close_ int fd = -1;
	struct ucred cred = { .pid = getpid(), .uid = geteuid(), .gid = getegid() };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} control = {};
	struct iovec iov = { .iov_base = (void *)cmd, .iov_len = strlen(cmd) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	fd = connect_unix(path);
	if (fd < 0)
		return fd;
	/* irqbalance refuses a command without credentials of uid 0. */
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	memcpy(CMSG_DATA(c), &cred, sizeof(cred));
	/* One recvmsg() reads the command: it must go in one piece. */
	n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return negative_errno();
	return (size_t)n == iov.iov_len ? 0 : -EIO;
}

int irqbalance_ban_irqs(const unsigned *irqs, size_t n)
{
	_cleanup_free_ char *cmd = NULL, *path = NULL;
	pid_t pid;
	int r;

	r = irqbalance_format_ban(irqs, n, &cmd);
	if (r < 0)
		return r;
	r = irqbalance_find_pid(&pid, NULL);
	if (r < 0)
		return r;
	r = irqbalance_socket_path(pid, &path);
	if (r < 0)
		return r;
	return irqbalance_send(path, cmd);
}

int irqbalance_stop(int pidfd)
{
	int r;

	r = pidfd_signal(pidfd, SIGTERM);
	if (r < 0)
		return r;
	/* irqbalance is not our child: its pidfd says when it is gone. */
	return pidfd_wait_exit(pidfd, 2000);
}

extern char **environ;

int irqbalance_start(void)
{
	char *systemctl[] = { "systemctl", "--no-block", "start", "irqbalance.service", NULL };
	char *direct[] = { "irqbalance", NULL };
	char **argv = access_root("/run/systemd/system", F_OK) == 0 ? systemctl : direct;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r, status;

	/* The daemon's stdio may be a terminal or the journal; the starter
	 * has nothing to say there. */
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
