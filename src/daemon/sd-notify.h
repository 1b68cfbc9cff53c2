/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The sd_notify(3) protocol, by hand: one datagram to $NOTIFY_SOCKET.  A
 * few lines here spare every packager a libsystemd dependency.  Returns 0
 * when there is no $NOTIFY_SOCKET (not started by systemd), 1 when sent.
 */
int notify_send(const char *state);
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
