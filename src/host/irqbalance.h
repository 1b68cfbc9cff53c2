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

/* The pid of a running irqbalance, from /proc/<pid>/comm; -ESRCH when none. */
int irqbalance_find_pid(pid_t *ret);
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
