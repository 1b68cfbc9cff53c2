/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetd: gives the host's VMs SR-IOV VFs when enough of them run, and
 * takes them back when few do.  See kvmnetd(8) and kvmnetd.conf(5).
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "build-config.h"
#include "daemon/config.h"
#include "daemon/ctl-socket.h"
#include "daemon/daemon.h"
#include "virt/virt-conn.h"

/* Where journald listens for native entries (sd_journal_sendv()). */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static void help(void)
{
	printf("Usage: kvmnetd [OPTIONS]\n"
	       "\n"
	       "Give the VMs of this KVM host SR-IOV VFs when enough of them run.\n"
	       "\n"
	       "Options:\n"
	       "  -c, --config FILE      configuration (default " DEFAULT_CONFIG ")\n"
	       "  -f, --foreground       stay in the foreground and log to stderr (to the\n"
	       "                         journal under systemd)\n"
	       "                         (default: detach, log to the journal or syslog)\n"
	       "  -n, --dry-run          log every action it would take; change nothing\n"
	       "  -s, --socket PATH      control socket (default " CTL_SOCKET_PATH ")\n"
	       "  -t, --check-config     check the configuration and exit\n"
	       "      --discard-journal  set aside a journal that cannot be read (kept as\n"
	       "                         journal.json.corrupt-TIME) and start without it\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "Signals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop.\n"
	       "Exit status: 0 stopped cleanly, 1 failed, 2 usage or configuration error,\n"
	       "another kvmnetd on the state directory or socket, or a journal it cannot read.\n");
}

/* Classic detach, with the parent exiting only once the child is up, so
 * that a start script sees failures.  Under systemd use --foreground. */
static int detach(int *ret_notify_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return negative_errno();
	*ret_notify_fd = p[1];
	return 0;
}

static void quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },   { "foreground", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },	      { "socket", required_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 't' },   { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	      { "discard-journal", no_argument, NULL, 'D' },
		{},
	};
	const char *config = DEFAULT_CONFIG, *sock = CTL_SOCKET_PATH;
	bool foreground = false, check = false;
	unsigned flags = 0;
	Daemon *d = NULL;
	int c, r, ready_fd = -1;

	while ((c = getopt_long(argc, argv, "c:fns:th", options, NULL)) >= 0)
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': foreground = true; break;
		case 'n': flags |= DAEMON_DRY_RUN; break;
		case 's': sock = optarg; break;
		case 't': check = true; flags |= DAEMON_CHECK_ONLY; break;
		case 'D': flags |= DAEMON_DISCARD_JOURNAL; break;
		case 'h': help(); return 0;
		case 'V': printf("kvmnetd %s\n", PACKAGE_VERSION); return 0;
		default: fprintf(stderr, "Try 'kvmnetd --help'.\n"); return 2;
		}
	if (optind < argc) {
		fprintf(stderr, "kvmnetd: unexpected argument '%s'. Try 'kvmnetd --help'.\n", argv[optind]);
		return 2;
	}

	/* A service: structured entries rather than lines on the stream
	 * systemd reads stderr through.  Not for --check-config, whose
	 * errors are for whoever ran it. */
	if (foreground && !check && log_stderr_is_journal())
		log_open_journal("kvmnetd");
	virt_errors_capture();
	if (virEventRegisterDefaultImpl() < 0) {
		log_error("Cannot set up libvirt's event loop");
		return 1;
	}
	r = daemon_new(config, sock, flags, &d);
	/* Anything but memory is for the operator to fix (a config that
	 * cannot be read included): restarting would not help. */
	if (r < 0)
		return r == -ENOMEM ? 1 : 2;
	if (check) {
		char hr[16];

		printf("%s: configuration OK (%u PF(s), threshold %u, headroom %s)\n", config, d->ctx.config->n_pfs,
		       d->ctx.config->threshold, headroom_to_string(d->ctx.config->headroom, hr));
		daemon_free(d);
		return 0;
	}
	if (!foreground) {
		r = detach(&ready_fd);
		if (r < 0) {
			daemon_free(d);
			return log_error_errno(r, "Detaching: %m"), 1;
		}
		/* The journal when there is one, syslog otherwise (and for
		 * whatever the journal refuses). */
		log_open_syslog("kvmnetd");
		if (access(JOURNAL_SOCKET, W_OK) == 0)
			log_open_journal("kvmnetd");
		quiet_stdio();
	}
	d->ready_fd = ready_fd;
	r = daemon_run(d);
	daemon_free(d);
	return r < 0 ? 1 : 0;
}
