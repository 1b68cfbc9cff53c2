/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "guest-agent.h"
#include "virt-conn.h"

/* libvirt's error codes for the agent, as kvmnet's errnos (see the header). */
static int agent_error(char **ret_error)
{
	virErrorPtr e = virGetLastError();
	int code = e ? e->code : VIR_ERR_OK;
	int r = virt_error_take(ret_error);

	switch (code) {
	case VIR_ERR_OPERATION_INVALID: /* "domain is not running" */
		return -ESRCH;
	case VIR_ERR_ARGUMENT_UNSUPPORTED: /* "QEMU guest agent is not configured" */
		return -EOPNOTSUPP;
	case VIR_ERR_AGENT_UNRESPONSIVE: /* "... is not connected", "not available for now" */
	case VIR_ERR_AGENT_UNSYNCED:
	case VIR_ERR_OPERATION_TIMEOUT:
		return -ENOTCONN;
	case VIR_ERR_NO_SUPPORT: /* the driver has no domainQemuAgentCommand */
		return -ENOSYS;
	case VIR_ERR_INTERNAL_ERROR: /* "unable to execute QEMU agent command 'x': ..." */
		return -EREMOTEIO;
	default:
		return r;
	}
}

int guest_agent_command(virDomainPtr d, const char *cmd, char **ret_reply, char **ret_error)
{
	const char *dir = guest_agent_test_dir();
	char *reply;

	if (dir)
		return guest_agent_socket_command(dir, virDomainGetName(d), cmd, ret_reply, ret_error);
	virResetLastError();
	reply = virDomainQemuAgentCommand(d, cmd, GUEST_AGENT_TIMEOUT_S, 0);
	if (!reply)
		return agent_error(ret_error);
	/* libvirt has read it all already; we need not keep or parse it. */
	if (strnlen(reply, GA_REPLY_MAX + 1) > GA_REPLY_MAX) {
		free(reply);
		return error_setf(ret_error, -EFBIG, "the guest agent's reply is over %zu MiB", GA_REPLY_MAX >> 20);
	}
	*ret_reply = reply;
	return 0;
}

static int bad_reply(const char *what, int r, char **ret_error)
{
	if (r == -EFBIG)
		return error_setf(ret_error, r, "the guest agent's reply to %s holds more than the %zu MiB of output "
				  "kvmnet reads per stream", what, GA_OUTPUT_MAX >> 20);
	if (ret_error && asprintf(ret_error, "the guest agent's reply to %s does not parse: %s", what,
				  strerror(-r)) < 0)
		*ret_error = NULL;
	return r == -ENOMEM ? r : -EBADMSG;
}

int guest_agent_has_command(virDomainPtr d, const char *command, bool *ret_enabled, char **ret_error)
{
	_cleanup_free_ char *reply = NULL;
	int r = guest_agent_command(d, "{\"execute\":\"guest-info\"}", &reply, ret_error);

	if (r < 0)
		return r;
	r = ga_parse_info_command(reply, strlen(reply), command, ret_enabled);
	if (r < 0 && r != -ENOENT)
		return bad_reply("guest-info", r, ret_error);
	return r;
}

int guest_exec_start(virDomainPtr d, const char *path, char *const argv[], int64_t *ret_pid, char **ret_error)
{
	_cleanup_free_ char *cmd = NULL, *reply = NULL;
	int r = ga_exec_command(path, argv, true, &cmd);

	if (r < 0)
		return r;
	if ((r = guest_agent_command(d, cmd, &reply, ret_error)) < 0)
		return r;
	if ((r = ga_parse_exec(reply, strlen(reply), ret_pid)) < 0)
		return bad_reply("guest-exec", r, ret_error);
	return 0;
}

int guest_exec_status(virDomainPtr d, int64_t pid, GaExecStatus *ret, char **ret_error)
{
	_cleanup_free_ char *cmd = NULL, *reply = NULL;
	int r = ga_pid_command("guest-exec-status", pid, &cmd);

	if (r < 0)
		return r;
	if ((r = guest_agent_command(d, cmd, &reply, ret_error)) < 0)
		return r;
	if ((r = ga_parse_exec_status(reply, strlen(reply), ret)) < 0)
		return bad_reply("guest-exec-status", r, ret_error);
	return 0;
}

/* libvirt's list, IPv4 entries only, as GuestIpv4. */
static int from_libvirt(virDomainInterfacePtr *ifs, int n_ifs, GuestIpv4 **ret, size_t *ret_n)
{
	GuestIpv4 *v = NULL;
	size_t n = 0;

	for (int i = 0; i < n_ifs; i++)
		for (unsigned k = 0; k < ifs[i]->naddrs; k++) {
			const virDomainIPAddress *a = &ifs[i]->addrs[k];
			struct in_addr in;
			GuestIpv4 *nv;

			if (a->type != VIR_IP_ADDR_TYPE_IPV4 || !a->addr || inet_pton(AF_INET, a->addr, &in) != 1)
				continue;
			nv = reallocarray(v, n + 1, sizeof(*v));
			if (!nv || !(nv[n].ifname = strdup(ifs[i]->name ? ifs[i]->name : ""))) {
				guest_ipv4_free(nv ? nv : v, n);
				return -ENOMEM;
			}
			v = nv;
			inet_ntop(AF_INET, &in, v[n].addr, sizeof(v[n].addr));
			v[n++].prefix = a->prefix;
		}
	*ret = v;
	*ret_n = n;
	return 0;
}

int guest_ipv4_addresses(virDomainPtr d, GuestIpv4 **ret, size_t *ret_n, char **ret_error)
{
	_cleanup_free_ char *reply = NULL;
	virDomainInterfacePtr *ifs = NULL;
	int n, r;

	virResetLastError();
	n = guest_agent_test_dir() ? -1 : virDomainInterfaceAddresses(d, &ifs, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0);
	if (n >= 0) {
		r = from_libvirt(ifs, n, ret, ret_n);
		for (int i = 0; i < n; i++)
			virDomainInterfaceFree(ifs[i]);
		free(ifs);
		return r;
	}
	virResetLastError();
	r = guest_agent_command(d, "{\"execute\":\"guest-network-get-interfaces\"}", &reply, ret_error);
	if (r < 0)
		return r;
	if ((r = ga_parse_interfaces(reply, strlen(reply), ret, ret_n)) < 0)
		return bad_reply("guest-network-get-interfaces", r, ret_error);
	return 0;
}
