/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * irqbalance's control socket (irqbalance >= 1.4, built with its UI):
 * /run/irqbalance/irqbalance<pid>.sock, a stream socket that takes one
 * command per connection and checks SCM_CREDENTIALS for uid 0.
 * "settings ban irqs 37 38 39" replaces the whole ban list (it does not
 * add); "settings ban irqs NONE" clears it.  irqbalance copies at most 255
 * bytes of the list (1.9: a 256-byte buffer), so longer lists would be cut.
 */

/* The pid of the running irqbalance: a process named irqbalance that is
 * root's /usr/sbin/irqbalance or the like (process_find_root_exe(): uid 0,
 * a root-owned executable called irqbalance), not any local user's process
 * that took the name.  With ret_pidfd, held by a pidfd for
 * irqbalance_stop().  -ESRCH when none. */
int irqbalance_find_pid(pid_t *ret_pid, int *ret_pidfd);
/* Its socket path (under $KVMNET_SYSROOT); -ENOENT when the socket is
 * missing (irqbalance built without the UI socket, or an older one). */
int irqbalance_socket_path(pid_t pid, char **ret);
/* "settings ban irqs 37 38 39", or "... NONE" for n == 0; -E2BIG when the
 * list is over irqbalance's 255 bytes. */
int irqbalance_format_ban(const unsigned *irqs, size_t n, char **ret);
/* One command over the socket at path, with our credentials. */
int irqbalance_send(const char *path, const char *cmd);
/* All of the above: tell the running irqbalance to leave exactly these
 * irqs alone.  -ESRCH when irqbalance is not running. */
int irqbalance_ban_irqs(const unsigned *irqs, size_t n);
/* SIGTERM through the pidfd of irqbalance_find_pid() and wait (up to 2 s)
 * until it is gone: the source document's "taken from automatic
 * balancing".  The pidfd makes sure the signal reaches the process that
 * was checked, not one that got its pid since. */
int irqbalance_stop(int pidfd);
/* Start it again, without waiting for it: "systemctl --no-block start
 * irqbalance.service" when systemd runs (/run/systemd/system exists), else
 * "irqbalance" from PATH.  Returns the starter's exit status (>= 0) or
 * -errno when it could not be run. */
int irqbalance_start(void);
