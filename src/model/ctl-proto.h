/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kvmnetd's control socket protocol, shared by the daemon (the server,
 * src/daemon/ctl-socket.c) and kvmnetctl (the client): a stream socket
 * carrying one request line ("status\n") and one reply (a JSON document)
 * per connection, then close.  Only root may ask (SO_PEERCRED), since the
 * reply names every VM on the host.
 */
#define CTL_SOCKET_DIR "/run/kvmnet"
#define CTL_SOCKET_PATH CTL_SOCKET_DIR "/kvmnetd.sock"
#define CTL_MAX_REQUEST 256
#define CTL_MAX_REPLY (16U << 20)

/* The daemon's view: {"mode": ..., "busy": ...}, see kvmnetd(8). */
#define CTL_REQUEST_STATUS "status"
