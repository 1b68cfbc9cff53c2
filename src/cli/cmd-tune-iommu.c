/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetctl tune iommu [--apply]
 *
 * The kernel command line the IOMMU needs, from the CPU vendor
 * (/proc/cpuinfo) and the running command line (/proc/cmdline); with
 * --apply, the same words in /etc/default/grub's GRUB_CMDLINE_LINUX, the
 * first original kept as /etc/default/grub.kvmnet.bak.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"
#include "core/iommu-cmdline.h"
#include "host/cmdline.h"
#include "host/cpuinfo.h"

#define GRUB_DEFAULT "/etc/default/grub"
#define GRUB_BACKUP "/etc/default/grub.kvmnet.bak"
#define GRUB_MAX (1 << 20)

static void print_words(const char *what, char **words)
{
	if (strv_length(words) == 0)
		return;
	printf("  %s:", what);
	STRV_FOREACH(w, words)
		printf(" %s", *w);
	putchar('\n');
}

/* The command that turns /etc/default/grub into the boot menu here. */
static const char *regenerate_command(void)
{
	if (access_root("/usr/sbin/update-grub", F_OK) == 0)
		return "update-grub";
	if (access_root("/usr/sbin/grub2-mkconfig", F_OK) == 0)
		return "grub2-mkconfig -o /boot/grub2/grub.cfg";
	if (access_root("/usr/sbin/grub-mkconfig", F_OK) == 0)
		return "grub-mkconfig -o /boot/grub/grub.cfg";
	return NULL;
}

/* Write path (a host path) whole, through a temporary file and rename, so
 * that a crash leaves the old file or the new one; with the owner and mode
 * of like (the original: /etc/default/grub may be 0640 for a password). */
static int write_atomic(const char *path, const char *text, const struct stat *like)
{
	_cleanup_free_ char *full = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);

	if (root_path(&full, "%s", path) < 0 || asprintf(&tmp, "%s.kvmnet-tmp", full) < 0)
		return -ENOMEM;
	(void)unlink(tmp); /* a leftover of a crash: O_EXCL below */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	if (fchown(fd, like->st_uid, like->st_gid) < 0 || fchmod(fd, like->st_mode & 07777) < 0 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		int r = errno ? negative_errno() : -EIO;

		unlink(tmp);
		return r;
	}
	if (rename(tmp, full) < 0) {
		int r = negative_errno();

		unlink(tmp);
		return r;
	}
	return 0;
}

static int backup_once(const char *text, const struct stat *st)
{
	if (access_root(GRUB_BACKUP, F_OK) == 0)
		return 0; /* the first original is the one to keep */
	return write_atomic(GRUB_BACKUP, text, st);
}

/* The file to edit: a regular file (a rename over a symlink would replace
 * the link, not what it points to), its owner and mode for the new one. */
static int grub_stat(struct stat *ret)
{
	_cleanup_free_ char *full = NULL;

	if (root_path(&full, "%s", GRUB_DEFAULT) < 0)
		return -ENOMEM;
	if (lstat(full, ret) < 0)
		return negative_errno();
	if (S_ISLNK(ret->st_mode)) {
		log_error("%s: a symlink; edit the file it points to by hand", GRUB_DEFAULT);
		return -ELOOP;
	}
	if (!S_ISREG(ret->st_mode)) {
		log_error("%s: not a regular file", GRUB_DEFAULT);
		return -EBADF;
	}
	return 0;
}

static int apply_grub(const char *vendor)
{
	_cleanup_free_ char *text = NULL, *edited = NULL, *before = NULL, *after = NULL;
	IommuChange full = {};
	const char *regen = regenerate_command();
	bool changed;
	struct stat st;
	int r;

	r = grub_stat(&st);
	if (r == -ELOOP || r == -EBADF)
		return EXIT_FAILED;
	if (r >= 0)
		r = read_full_file(GRUB_DEFAULT, GRUB_MAX, &text, NULL);
	if (r < 0)
		return log_error_errno(r, "reading %s: %s", GRUB_DEFAULT, strerror(-r)), EXIT_FAILED;
	r = iommu_change_full(vendor, &full);
	if (r >= 0)
		r = grub_default_edit(text, &full, &edited, &changed);
	iommu_change_done(&full);
	if (r == -EINVAL) {
		log_error("%s: GRUB_CMDLINE_LINUX is not a plain quoted list of words (a $variable, backslash or "
			  "unbalanced quote); edit it by hand", GRUB_DEFAULT);
		return EXIT_FAILED;
	}
	if (r < 0)
		return log_error_errno(r, "out of memory"), EXIT_FAILED;
	(void)grub_default_line(text, &before);
	(void)grub_default_line(edited, &after);
	if (!changed)
		printf("%s already has them: %s\n", GRUB_DEFAULT, after ? after : "?");
	else {
		r = backup_once(text, &st);
		if (r >= 0)
			r = write_atomic(GRUB_DEFAULT, edited, &st);
		if (r < 0)
			return log_error_errno(r, "writing %s (backup %s): %s; not changed", GRUB_DEFAULT, GRUB_BACKUP,
					       strerror(-r)), EXIT_FAILED;
		printf("%s: %s\n  -> %s\n  (backup of the original: %s)\n", GRUB_DEFAULT, before ? before : "(none)",
		       after ? after : "?", GRUB_BACKUP);
	}
	if (regen)
		printf("Regenerate the boot menu with: %s, then reboot.\n", regen);
	else
		printf("Regenerate the boot menu (update-grub on Debian and Ubuntu, "
		       "grub2-mkconfig -o /boot/grub2/grub.cfg on Fedora and RHEL), then reboot.\n");
	return EXIT_OK;
}

int tune_iommu(bool apply)
{
	_cleanup_free_ char *cmdline = NULL;
	IommuChange c = {};
	CpuInfo ci;
	int r;

	r = cpuinfo_read(&ci);
	if (r < 0)
		return log_error_errno(r, "reading /proc/cpuinfo: %s", strerror(-r)), EXIT_FAILED;
	r = proc_cmdline_read(&cmdline);
	if (r < 0)
		return log_error_errno(r, "reading /proc/cmdline: %s", strerror(-r)), EXIT_FAILED;
	printf("CPU vendor: %s (/proc/cpuinfo)\n", ci.vendor_id[0] ? ci.vendor_id : "unknown");
	printf("Kernel command line: %s (/proc/cmdline)\n", cmdline);
	r = iommu_change_for(cmdline, ci.vendor_id, &c);
	if (r == -EOPNOTSUPP) {
		log_error("CPU vendor '%s': neither Intel (intel_iommu=on) nor AMD (AMD-Vi); no change known",
			  ci.vendor_id);
		return EXIT_FAILED;
	}
	if (r < 0)
		return log_error_errno(r, "out of memory"), EXIT_FAILED;
	if (iommu_change_empty(&c))
		printf("Nothing to change: the running kernel has what the IOMMU needs%s.\n",
		       streq(ci.vendor_id, "AuthenticAMD") ? " (AMD-Vi is on unless turned off; iommu=pt)" : "");
	else {
		printf("Change to the kernel command line:\n");
		print_words("add", c.add);
		print_words("remove", c.remove);
		if (streq(ci.vendor_id, "AuthenticAMD"))
			printf("  (no amd_iommu=on: the kernel has no such value; AMD-Vi is on unless turned off)\n");
	}
	iommu_change_done(&c);
	return apply ? apply_grub(ci.vendor_id) : EXIT_OK;
}
