/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sd_notify(3), libsystemd's: one datagram to $NOTIFY_SOCKET.  Returns 0
 * when there is no $NOTIFY_SOCKET (not started by systemd), 1 when sent,
 * a negative errno when it could not be sent.  libsystemd is linked for
 * the journal anyway (basic/log.h).
 */
int notify_send(const char *state);
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
