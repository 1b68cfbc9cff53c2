/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"

/*
 * The QEMU guest agent's commands and replies that `kvmnetctl bench` uses
 * (qga/qapi-schema.json): guest-info, guest-exec, guest-exec-status and
 * guest-network-get-interfaces.  Pure: JSON text in, values out; the
 * libvirt side (virDomainQemuAgentCommand) is src/virt/guest-agent.h.
 *
 * Every parser takes len bytes (not necessarily NUL-terminated) of one
 * reply, {"return": ...}, and returns 0, -EBADMSG (not JSON, or not the
 * shape the schema gives), -EREMOTEIO (an {"error": ...} reply), -EFBIG
 * (over GA_REPLY_MAX) or -ENOMEM.  Outputs are written only on success.
 */

/* What kvmnet reads from a guest is bounded, so that a hostile guest
 * cannot grow a root process on the host.  kvmnet runs only iperf3 -J
 * (about 2 KiB per second of test, at most 600 s: ~1.2 MiB) and kill in a
 * guest, so each stream of a process's output may be 4 MiB once decoded
 * (qemu-ga itself allows 16 MiB), and one reply 16 MiB (two such streams
 * in base64, 10.7 MiB, and the JSON around them); more is an error. */
#define GA_OUTPUT_MAX ((size_t)4 << 20)
#define GA_REPLY_MAX ((size_t)16 << 20)

/* {"execute":"guest-exec","arguments":{"path":PATH,"arg":[ARGV...],
 * "capture-output":CAPTURE}}; argv is NULL-terminated, without PATH. */
int ga_exec_command(const char *path, char *const argv[], bool capture, char **ret);
/* {"execute":EXECUTE,"arguments":{"pid":PID}}, for guest-exec-status. */
int ga_pid_command(const char *execute, int64_t pid, char **ret);

/* An error reply, {"error":{"class":"GenericError","desc":"..."}}: 0 with
 * the desc (malloc'd; "" when it has none that is a string); -ENOENT for any other JSON
 * object, which is no error reply; -EBADMSG for what is not JSON. */
int ga_parse_error(const char *reply, size_t len, char **ret_desc);

/* guest-exec: {"return":{"pid":N}}, N in 1..INT32_MAX. */
int ga_parse_exec(const char *reply, size_t len, int64_t *ret_pid);

typedef struct GaExecStatus {
	bool exited;
	bool has_exitcode; /* exited normally */
	int exitcode;
	bool has_signal; /* killed by a signal (Windows: an exception code) */
	int signal;
	uint8_t *out, *err; /* decoded, NUL-terminated; NULL when not sent */
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
	size_t reply_len; /* the bytes of the reply it came from */
} GaExecStatus;

/* guest-exec-status: {"return":{"exited":B,"exitcode":N,"signal":N,
 * "out-data":BASE64,"err-data":BASE64,"out-truncated":B,...}}.
 * Base64 that does not decode is -EBADMSG; a stream of more than
 * GA_OUTPUT_MAX bytes -EFBIG.  The output is read only once the process
 * has exited (qemu-ga sends it only then): a reply with exited false has
 * no out/err, whatever it carries. */
int ga_parse_exec_status(const char *reply, size_t len, GaExecStatus *ret);
/* The process's exit status as a shell gives it, for an exited process:
 * the exit code when it is 0..255, 128 + signal for a signal 1..127, and
 * 255 for anything else a guest may report (a negative or Windows-sized
 * code, a signal out of range, neither): never negative, never
 * overflowing, so it is not mistaken for an errno. */
int ga_exec_status_code(const GaExecStatus *s);
/* Frees the buffers and zeroes *s; NULL-safe. */
void ga_exec_status_done(GaExecStatus *s);

/* guest-info: whether the agent lists `command` and has it enabled (a
 * guest admin can disable commands: qemu-ga --block-rpcs).  0 and
 * *ret_enabled when listed, -ENOENT when not listed. */
int ga_parse_info_command(const char *reply, size_t len, const char *command, bool *ret_enabled);

/* One IPv4 address of a guest interface, from the agent or from libvirt's
 * virDomainInterfaceAddresses(). */
typedef struct GuestIpv4 {
	char *ifname;
	char addr[16]; /* dotted quad */
	unsigned prefix;
} GuestIpv4;

void guest_ipv4_free(GuestIpv4 *v, size_t n);

/* guest-network-get-interfaces: every IPv4 address, in the agent's order
 * (interfaces without "ip-addresses" and IPv6 addresses are skipped; an
 * "ipv4" entry whose address does not parse is -EBADMSG). */
int ga_parse_interfaces(const char *reply, size_t len, GuestIpv4 **ret, size_t *ret_n);

/* The address to reach a guest at: the first global IPv4 (not 0/8, 127/8,
 * 169.254/16, multicast or reserved) on an interface other than "lo" (a
 * loopback by another name carries only 127/8).  *ret_index is its index in
 * v, *ret_candidates how many such addresses there were, so the caller can
 * say which it took.  -ENOENT when there is none. */
int guest_ipv4_pick(const GuestIpv4 *v, size_t n, size_t *ret_index, size_t *ret_candidates);
