/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/base64.h"
#include "basic/json-util.h"
#include "model/guest-agent-json.h"

/* ---- commands */

static int to_string(json_object *o, char **ret)
{
	const char *s;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*ret = s ? strdup(s) : NULL;
	json_object_put(o);
	return *ret ? 0 : -ENOMEM;
}

/* Add v under key; v belongs to o afterwards, or is dropped. */
static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* {"execute":EXECUTE,"arguments":{}}, and the arguments object. */
static int command_new(const char *execute, json_object **ret_cmd, json_object **ret_args)
{
	json_object *cmd = json_object_new_object(), *args = json_object_new_object();

	if (!cmd || !args) {
		json_object_put(cmd);
		json_object_put(args);
		return -ENOMEM;
	}
	/* args first: from then on putting cmd frees everything. */
	if (add(cmd, "arguments", args) < 0 || add(cmd, "execute", json_object_new_string(execute)) < 0) {
		json_object_put(cmd);
		return -ENOMEM;
	}
	*ret_cmd = cmd;
	*ret_args = args;
	return 0;
}

int ga_exec_command(const char *path, char *const argv[], bool capture, char **ret)
{
	_cleanup_json_ json_object *cmd = NULL;
	json_object *args, *arg;
	int r;

	if (isempty(path))
		return -EINVAL;
	if ((r = command_new("guest-exec", &cmd, &args)) < 0 ||
	    (r = add(args, "path", json_object_new_string(path))) < 0 ||
	    (r = add(args, "arg", arg = json_object_new_array())) < 0 ||
	    (r = add(args, "capture-output", json_object_new_boolean(capture))) < 0)
		return r;
	for (size_t i = 0; argv && argv[i]; i++) {
		json_object *a = json_object_new_string(argv[i]);

		if (!a || json_object_array_add(arg, a) < 0) {
			json_object_put(a);
			return -ENOMEM;
		}
	}
	return to_string(TAKE_PTR(cmd), ret);
}

int ga_pid_command(const char *execute, int64_t pid, char **ret)
{
	_cleanup_json_ json_object *cmd = NULL;
	json_object *args;
	int r;

	if ((r = command_new(execute, &cmd, &args)) < 0 || (r = add(args, "pid", json_object_new_int64(pid))) < 0)
		return r;
	return to_string(TAKE_PTR(cmd), ret);
}

/* ---- replies */

/* The value of "return" in a reply, with a reference the caller drops
 * through *ret_root. */
static int reply_return(const char *reply, size_t len, json_type want, json_object **ret_root, json_object **ret)
{
	json_object *root = NULL, *v;
	int r = json_parse_text(reply, len, GA_REPLY_MAX, &root, NULL);

	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		r = -EBADMSG;
	else if (json_object_object_get_ex(root, "error", NULL))
		r = -EREMOTEIO;
	else if (!json_object_object_get_ex(root, "return", &v) || !json_object_is_type(v, want))
		r = -EBADMSG;
	if (r < 0) {
		json_object_put(root);
		return r;
	}
	*ret_root = root;
	*ret = v;
	return 0;
}

/* An optional member of type t: 0 absent, 1 present, -EBADMSG wrong type. */
static int member(json_object *o, const char *key, json_type t, json_object **ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, t))
		return -EBADMSG;
	*ret = v;
	return 1;
}

static int member_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret)
{
	json_object *v;
	int r = member(o, key, json_type_int, &v);
	int64_t i;

	if (r <= 0)
		return r;
	errno = 0;
	i = json_object_get_int64(v);
	if (errno != 0 || i < min || i > max)
		return -EBADMSG;
	*ret = i;
	return 1;
}

static int member_bool(json_object *o, const char *key, bool *ret)
{
	json_object *v;
	int r = member(o, key, json_type_boolean, &v);

	if (r > 0)
		*ret = json_object_get_boolean(v);
	return r;
}

int ga_parse_error(const char *reply, size_t len, char **ret_desc)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *e, *desc = NULL;
	int r = json_parse_text(reply, len, GA_REPLY_MAX, &root, NULL);

	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return -EBADMSG;
	if (!json_object_object_get_ex(root, "error", &e))
		return -ENOENT;
	/* An error reply whatever its "desc" holds: it failed all the same. */
	if (!json_object_is_type(e, json_type_object) || member(e, "desc", json_type_string, &desc) <= 0)
		desc = NULL;
	*ret_desc = strdup(desc ? json_object_get_string(desc) : "");
	return *ret_desc ? 0 : -ENOMEM;
}

int ga_parse_exec(const char *reply, size_t len, int64_t *ret_pid)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *ret;
	int64_t pid;
	int r = reply_return(reply, len, json_type_object, &root, &ret);

	if (r < 0)
		return r;
	r = member_int(ret, "pid", 1, INT32_MAX, &pid);
	if (r <= 0)
		return -EBADMSG;
	*ret_pid = pid;
	return 0;
}

static int member_base64(json_object *o, const char *key, uint8_t **ret, size_t *ret_len)
{
	uint8_t *buf;
	size_t n;
	json_object *v;
	int r = member(o, key, json_type_string, &v);

	if (r <= 0)
		return r;
	/* Refused before decoding: 4 base64 characters carry 3 bytes. */
	if ((size_t)json_object_get_string_len(v) / 4 * 3 > GA_OUTPUT_MAX + 2)
		return -EFBIG;
	r = base64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), &buf, &n);
	if (r >= 0 && n > GA_OUTPUT_MAX) {
		free(buf);
		return -EFBIG;
	}
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	*ret = buf;
	*ret_len = n;
	return 1;
}

void ga_exec_status_done(GaExecStatus *s)
{
	if (!s)
		return;
	free(s->out);
	free(s->err);
	*s = (GaExecStatus){};
}

int ga_parse_exec_status(const char *reply, size_t len, GaExecStatus *ret)
{
	_cleanup_json_ json_object *root = NULL;
	GaExecStatus s = {};
	json_object *o;
	int64_t i;
	int r = reply_return(reply, len, json_type_object, &root, &o);

	if (r < 0)
		return r;
	if (member_bool(o, "exited", &s.exited) <= 0)
		return -EBADMSG;
	if ((r = member_int(o, "exitcode", INT_MIN, INT_MAX, &i)) < 0)
		return r;
	s.has_exitcode = r > 0;
	s.exitcode = r > 0 ? (int)i : 0;
	if ((r = member_int(o, "signal", INT_MIN, INT_MAX, &i)) < 0)
		return r;
	s.has_signal = r > 0;
	s.signal = r > 0 ? (int)i : 0;
	/* Output only of a process that has ended: a guest sending some with
	 * every "still running" must not make us decode and keep it. */
	if (s.exited &&
	    ((r = member_bool(o, "out-truncated", &s.out_truncated)) < 0 ||
	     (r = member_bool(o, "err-truncated", &s.err_truncated)) < 0 ||
	     (r = member_base64(o, "out-data", &s.out, &s.out_len)) < 0 ||
	     (r = member_base64(o, "err-data", &s.err, &s.err_len)) < 0)) {
		ga_exec_status_done(&s);
		return r;
	}
	s.reply_len = len;
	*ret = s;
	return 0;
}

int ga_exec_status_code(const GaExecStatus *s)
{
	if (s->has_exitcode)
		return s->exitcode >= 0 && s->exitcode <= 255 ? s->exitcode : 255;
	if (s->has_signal && s->signal >= 1 && s->signal <= 127)
		return 128 + s->signal;
	return 255;
}

int ga_parse_info_command(const char *reply, size_t len, const char *command, bool *ret_enabled)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *o, *cmds;
	int r = reply_return(reply, len, json_type_object, &root, &o);

	if (r < 0)
		return r;
	if (member(o, "supported_commands", json_type_array, &cmds) <= 0)
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(cmds); i++) {
		json_object *c = json_object_array_get_idx(cmds, i), *name;
		bool enabled;

		if (!json_object_is_type(c, json_type_object) || member(c, "name", json_type_string, &name) <= 0 ||
		    member_bool(c, "enabled", &enabled) <= 0)
			return -EBADMSG;
		if (streq(json_object_get_string(name), command)) {
			*ret_enabled = enabled;
			return 0;
		}
	}
	return -ENOENT;
}

void guest_ipv4_free(GuestIpv4 *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].ifname);
	free(v);
}

/* Append the IPv4 entries of one interface's "ip-addresses". */
static int iface_ipv4s(json_object *iface, GuestIpv4 **v, size_t *n)
{
	json_object *name, *addrs;
	int r;

	if (!json_object_is_type(iface, json_type_object) || member(iface, "name", json_type_string, &name) <= 0)
		return -EBADMSG;
	if ((r = member(iface, "ip-addresses", json_type_array, &addrs)) <= 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(addrs); i++) {
		json_object *a = json_object_array_get_idx(addrs, i), *type, *ip;
		struct in_addr in;
		GuestIpv4 *nv;
		int64_t prefix;

		if (!json_object_is_type(a, json_type_object) || member(a, "ip-address-type", json_type_string, &type) <= 0 ||
		    member(a, "ip-address", json_type_string, &ip) <= 0 || member_int(a, "prefix", 0, 128, &prefix) <= 0)
			return -EBADMSG;
		if (!streq(json_object_get_string(type), "ipv4"))
			continue;
		if (prefix > 32 || json_object_get_string_len(ip) >= (int)sizeof(nv->addr) ||
		    inet_pton(AF_INET, json_object_get_string(ip), &in) != 1)
			return -EBADMSG;
		nv = reallocarray(*v, *n + 1, sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		nv[*n] = (GuestIpv4){ .ifname = strdup(json_object_get_string(name)), .prefix = (unsigned)prefix };
		if (!nv[*n].ifname)
			return -ENOMEM;
		inet_ntop(AF_INET, &in, nv[*n].addr, sizeof(nv[*n].addr));
		(*n)++;
	}
	return 0;
}

int ga_parse_interfaces(const char *reply, size_t len, GuestIpv4 **ret, size_t *ret_n)
{
	_cleanup_json_ json_object *root = NULL;
	GuestIpv4 *v = NULL;
	json_object *ifaces;
	size_t n = 0;
	int r = reply_return(reply, len, json_type_array, &root, &ifaces);

	if (r < 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(ifaces) && r >= 0; i++)
		r = iface_ipv4s(json_object_array_get_idx(ifaces, i), &v, &n);
	if (r < 0) {
		guest_ipv4_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool ipv4_is_global(const char *addr)
{
	struct in_addr in;
	uint32_t a;

	if (inet_pton(AF_INET, addr, &in) != 1)
		return false;
	a = ntohl(in.s_addr);
	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 16) != 0xa9fe && (a >> 28) != 0xe && (a >> 28) != 0xf;
}

int guest_ipv4_pick(const GuestIpv4 *v, size_t n, size_t *ret_index, size_t *ret_candidates)
{
	size_t first = SIZE_MAX, count = 0;

	for (size_t i = 0; v && i < n; i++) {
		if ((v[i].ifname && streq(v[i].ifname, "lo")) || !ipv4_is_global(v[i].addr))
			continue;
		if (first == SIZE_MAX)
			first = i;
		count++;
	}
	if (count == 0)
		return -ENOENT;
	*ret_index = first;
	*ret_candidates = count;
	return 0;
}
