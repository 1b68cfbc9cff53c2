/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/macro.h"
#include "pidfd.h"

/* Through syscall(): glibc has wrappers only from 2.36 on. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

int pidfd_open_pid(pid_t pid, int *ret_fd)
{
	long fd;

	if (pid <= 0)
		return -EINVAL;
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return negative_errno();
	*ret_fd = (int)fd;
	return 0;
}

int pidfd_signal(int fd, int sig)
{
	if (fd < 0)
		return -EBADF;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

int pidfd_wait_exit(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	/* A pidfd polls readable once its process has exited. */
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return negative_errno();
	return r == 0 ? -ETIMEDOUT : 0;
}
