/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-proc.h"
#include "tmp-root.h"

int fake_proc_program(const char *dir, const char *name, mode_t mode, uid_t uid, char *ret_path, size_t size)
{
	char cmd[1024];

	snprintf(ret_path, size, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cp \"$(command -v sleep)\" '%s'", ret_path);
	if (system(cmd) != 0 || chmod(ret_path, mode) < 0)
		return -1;
	if (geteuid() == 0 && chown(ret_path, uid, uid) < 0)
		return -1;
	/* chown clears set-id bits, not the mode asked for: set it again. */
	return chmod(ret_path, mode);
}

pid_t fake_proc_spawn(const char *path, const char *name, uid_t uid)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (geteuid() == 0 && uid != 0 && (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
		_exit(126);
	execl(path, name, "60", (char *)NULL);
	_exit(127);
}

int fake_proc_entries(const char *root, pid_t pid, const char *name, uid_t uid, const char *exe_target)
{
	char rel[64], text[256], link[512];

	snprintf(rel, sizeof(rel), "/proc/%d/comm", (int)pid);
	snprintf(text, sizeof(text), "%s\n", name);
	if (tmp_root_put(root, rel, text) < 0)
		return -1;
	snprintf(rel, sizeof(rel), "/proc/%d/status", (int)pid);
	snprintf(text, sizeof(text), "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t%d\nUid:\t%u\t%u\t%u\t%u\n",
		 name, (int)pid, uid, uid, uid, uid);
	if (tmp_root_put(root, rel, text) < 0)
		return -1;
	snprintf(link, sizeof(link), "%s/proc/%d/exe", root, (int)pid);
	unlink(link);
	return symlink(exe_target, link);
}

int fake_proc_kill(pid_t pid)
{
	int status;

	if (pid <= 0)
		return 0;
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}
