/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What kvmnetd claims before it touches anything: its state directory (the
 * lock of state-lock.h), its control socket's path, and a journal it can
 * read.  Each refusal is one log line naming the file and what to do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/ctl-socket.h"
#include "daemon/daemon.h"
#include "daemon/state-lock.h"

static int claim_state_dir(Daemon *d)
{
	const char *dir = d->ctx.config->state_dir;
	pid_t pid = 0;
	int r;

	if (d->ctx.dry_run) {
		r = state_lock_probe(dir, &pid);
		if (r < 0)
			return log_error_errno(r, "%s/%s: cannot check the lock: %m", dir, STATE_LOCK_FILE);
		if (r > 0) {
			log_error("%s is in use by kvmnetd pid %d (it holds %s/%s); a dry run does not run next to "
				  "a live daemon: give it a configuration with another state_dir",
				  dir, (int)pid, dir, STATE_LOCK_FILE);
			return -EWOULDBLOCK;
		}
		return 0;
	}
	r = state_lock_take(dir, &d->lock_fd, &pid);
	if (r == -EWOULDBLOCK) {
		if (pid > 0)
			log_error("%s is in use by kvmnetd pid %d (it holds %s/%s); not starting a second one", dir,
				  (int)pid, dir, STATE_LOCK_FILE);
		else
			log_error("%s is in use by another kvmnetd (it holds %s/%s); not starting a second one", dir,
				  dir, STATE_LOCK_FILE);
		return r;
	}
	if (r < 0)
		return log_error_errno(r, "%s/%s: cannot take the lock: %m", dir, STATE_LOCK_FILE);
	return 0;
}

/* Only checked here (the socket is bound once the daemon has detached):
 * a live socket, or anything that is not a socket, is someone else's. */
static int check_socket(Daemon *d)
{
	_cleanup_free_ char *dir = strdup(d->ctl_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	struct stat st;
	pid_t pid = 0;
	int r;

	if (!dir)
		return -ENOMEM;
	/* kvmnetd makes only the default's directory (see setup_ctl()). */
	if (slash && slash != dir) {
		*slash = 0;
		if (!streq(dir, CTL_SOCKET_DIR) && stat(dir, &st) < 0) {
			log_error("Control socket %s: %s: no such directory; kvmnetd creates only %s", d->ctl_path, dir,
				  CTL_SOCKET_DIR);
			return -ENOENT;
		}
	}
	r = ctl_socket_owner(d->ctl_path, &pid);
	if (r < 0)
		return log_error_errno(r, "Control socket %s: %m", d->ctl_path);
	if (r == CTL_SOCKET_LIVE) {
		if (pid > 0)
			log_error("Control socket %s is served by another process, pid %d; not replacing it", d->ctl_path,
				  (int)pid);
		else
			log_error("Control socket %s is served by another process; not replacing it", d->ctl_path);
		return -EADDRINUSE;
	}
	if (r == CTL_SOCKET_OTHER) {
		log_error("Control socket %s: something that is not a socket is there; not removing it", d->ctl_path);
		return -EEXIST;
	}
	return 0;
}

static int refuse_journal(const char *dir, int r, const char *why)
{
	if (r == -EPROTONOSUPPORT)
		log_error("%s; not starting: run the kvmnetd that wrote it", why);
	else
		log_error("%s; not starting over a journal it cannot read, since the original values it holds would "
			  "be lost.  Look at it, then run 'kvmnetd --discard-journal' to set it aside (kept as %s/%sTIME) "
			  "and start without it",
			  why, dir, JOURNAL_SET_ASIDE_PREFIX);
	return r;
}

static void warn_set_aside(const char *dir)
{
	_cleanup_strv_free_ char **l = NULL;

	if (journal_list_set_aside(dir, &l) < 0 || !l)
		return;
	log_warning("%s: %zu journal(s) set aside earlier (%s%s): the original values they hold are not restored "
		    "by kvmnetd; remove them once they are dealt with",
		    dir, strv_length(l), l[0], l[1] ? ", ..." : "");
}

static int load_journal(Daemon *d, bool discard)
{
	const char *dir = d->ctx.config->state_dir;
	_cleanup_free_ char *why = NULL, *moved = NULL;
	int r;

	r = journal_load(dir, &d->ctx.journal, &why);
	if (r >= 0 || r == -ENOMEM) {
		if (r >= 0 && discard)
			log_notice("%s/%s reads fine; --discard-journal leaves it alone", dir, JOURNAL_FILE);
		return r;
	}
	if (!discard || r == -EPROTONOSUPPORT || r == -EACCES)
		return refuse_journal(dir, r, why ?: strerror(-r));
	if (d->ctx.dry_run) {
		log_warning("%s; dry run: would set it aside, and previews with an empty journal", why ?: strerror(-r));
		return journal_new(&d->ctx.journal);
	}
	r = journal_set_aside(dir, &moved);
	if (r < 0)
		return log_error_errno(r, "%s; setting it aside failed: %m; not starting", why ?: "journal");
	log_warning("%s; set aside as %s/%s (--discard-journal): starting with an empty journal, the original values "
		    "it held are not restored", why ?: "journal", dir, moved);
	return journal_new(&d->ctx.journal);
}

int daemon_claim(Daemon *d, unsigned flags)
{
	int r;

	r = claim_state_dir(d);
	if (r < 0)
		return r;
	r = check_socket(d);
	if (r < 0)
		return r;
	r = load_journal(d, flags & DAEMON_DISCARD_JOURNAL);
	if (r < 0)
		return r;
	warn_set_aside(d->ctx.config->state_dir);
	return 0;
}
