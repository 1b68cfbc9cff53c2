/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "model/guest-agent-json.h"

/*
 * Commands run in a guest through the QEMU guest agent, over libvirt
 * (virDomainQemuAgentCommand, libvirt-qemu): guest-exec to start a
 * process, guest-exec-status to poll it, guest-info to see that the agent
 * answers and has guest-exec enabled, and the guest's IPv4 addresses.
 * The replies are parsed by core/guest-agent-json.h.
 *
 * Every function returns a negative errno that says what an operator can
 * do about it, and a malloc'd message from libvirt or the agent in
 * *ret_error (may be NULL):
 *   -ESRCH       the domain is not running
 *   -EOPNOTSUPP  the domain has no guest agent channel
 *   -ENOTCONN    nothing answers on the channel (no agent in the guest,
 *                or it hangs)
 *   -ENOSYS      this libvirt driver has no guest agent (test:///, LXC)
 *   -EREMOTEIO   the agent answered with an error (guest-exec of a program
 *                that is not installed: "Failed to execute child process
 *                “iperf3” (No such file or directory)")
 *   -EBADMSG     the agent's reply is not what its schema says
 *   -EFBIG       the reply is over GA_REPLY_MAX, or an output stream in it
 *                over GA_OUTPUT_MAX (core/guest-agent-json.h)
 *   others       from libvirt (virt_error_take()).
 */

/* Seconds each agent command may take: a TCG guest inside a TCG guest
 * (the lab) takes seconds for what a KVM guest does at once. */
#define GUEST_AGENT_TIMEOUT_S 30

/* Send cmd (JSON) and return the reply (JSON, {"return": ...}). */
int guest_agent_command(virDomainPtr d, const char *cmd, char **ret_reply, char **ret_error);

/* guest-info: 0 when the agent lists `command`, with *ret_enabled. */
int guest_agent_has_command(virDomainPtr d, const char *command, bool *ret_enabled, char **ret_error);

/* guest-exec path argv... (argv NULL-terminated, without path), its
 * output captured; does not wait. */
int guest_exec_start(virDomainPtr d, const char *path, char *const argv[], int64_t *ret_pid, char **ret_error);
/* guest-exec-status once.  Once it says exited, the agent forgets pid. */
int guest_exec_status(virDomainPtr d, int64_t pid, GaExecStatus *ret, char **ret_error);

/* For tests, as $KVMNET_SYSROOT is for /sys: with $KVMNET_GUEST_AGENT_DIR
 * set, the agent of domain NAME is whatever listens on DIR/NAME.sock (a
 * `qemu-ga -m unix-listen` on this machine), spoken to directly instead of
 * through virDomainQemuAgentCommand(), addresses included; libvirt still
 * says whether the domain exists, runs and has the channel.  So `kvmnetctl
 * bench` runs end to end with this machine as the "guest". */
const char *guest_agent_test_dir(void);
int guest_agent_socket_command(const char *dir, const char *domain, const char *cmd, char **ret_reply,
			       char **ret_error);

/* The guest's IPv4 addresses: libvirt's virDomainInterfaceAddresses()
 * from the agent; where that fails, the agent's own
 * guest-network-get-interfaces, so an error names the agent's reason. */
int guest_ipv4_addresses(virDomainPtr d, GuestIpv4 **ret, size_t *ret_n, char **ret_error);
