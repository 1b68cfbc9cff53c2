/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/deadline.h"
#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/unix-socket.h"
#include "model/ctl-proto.h"
#include "status-daemon.h"

static json_object *not_running(const char *reason)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "running", json_object_new_boolean(0));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	return o;
}

json_object *status_daemon_fetch(void)
{
	const char *path = getenv("KVMNET_CTL_SOCKET");
	_cleanup_free_ char *reply = NULL, *why = NULL;
	json_object *o, *view;
	int r;

	if (isempty(path)) {
		/* A fake tree's host has no daemon of ours to ask. */
		if (!streq(sysroot(), "/"))
			return not_running("not asked: $KVMNET_SYSROOT is another host's tree");
		path = CTL_SOCKET_PATH;
	}
	r = unix_request(path, CTL_REQUEST_STATUS, CTL_MAX_REPLY, &reply);
	if (r < 0) {
		if (asprintf(&why, "%s: %s", path,
			     r == -ENOENT || r == -ECONNREFUSED ? "kvmnetd is not running" : strerror(-r)) < 0)
			return NULL;
		return not_running(why);
	}
	view = json_tokener_parse(reply);
	if (!view || json_object_object_get_ex(view, "error", NULL)) {
		json_object_put(view);
		if (asprintf(&why, "%s: kvmnetd answered %s", path, reply) < 0)
			return NULL;
		why[strcspn(why, "\n")] = 0;
		return not_running(why);
	}
	o = json_object_new_object();
	json_object_object_add(o, "running", json_object_new_boolean(1));
	json_object_object_add(o, "view", view);
	return o;
}

static const char *get_str(json_object *o, const char *key, const char *dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return dflt;
	return json_object_get_string(v);
}

static int get_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : -1;
}

/* ", node 1, VF node 0 (remote)": where the VM and its VF are, when
 * known (plan.h N1-N4). */
static void print_vm_numa(json_object *vm)
{
	json_object *node = json_object_object_get(vm, "numa_node"), *vf = json_object_object_get(vm, "vf_numa_node");

	if (node)
		printf(", node %d", json_object_get_int(node));
	if (vf)
		printf(", VF node %d", json_object_get_int(vf));
	if (json_object_get_boolean(json_object_object_get(vm, "numa_remote")))
		printf(" (remote)");
}

static void print_vms(json_object *vms)
{
	size_t n = vms ? json_object_array_length(vms) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *vm = json_object_array_get_idx(vms, i);
		const char *wait = get_str(vm, "waiting_for", NULL), *pending = get_str(vm, "pending", NULL);
		const char *migration = get_str(vm, "migration", NULL);

		printf("    VM %-20s %-10s %d VF(s)", get_str(vm, "name", "?"), get_str(vm, "path", "?"), get_int(vm, "vfs"));
		if (json_object_get_boolean(json_object_object_get(vm, "teamed")))
			printf(", teamed");
		print_vm_numa(vm);
		if (pending)
			printf("  pending: %s", pending);
		if (wait && streq(wait, "numa"))
			printf("  waiting: numa: no free VF on node %d", get_int(vm, "numa_node"));
		else if (wait)
			printf("  waiting: %s%s%s", wait, get_str(vm, "waiting_on_pf", NULL) ? " on " : "",
			       get_str(vm, "waiting_on_pf", ""));
		if (migration)
			printf(" (%s)", migration);
		printf("\n");
		if (get_str(vm, "vf_policy", NULL))
			printf("      VF policy: %s\n", get_str(vm, "vf_policy", ""));
		if (get_str(vm, "vf_policy_refused", NULL))
			printf("      VF policy refused: %s\n", get_str(vm, "vf_policy_refused", ""));
	}
}

static void print_mode(json_object *view)
{
	const char *dry = json_object_get_boolean(json_object_object_get(view, "dry_run")) ? " (dry run)" : "";

	/* Before its first turn, or while libvirt is unreachable, the daemon
	 * knows no M1: say what it knows rather than print -1. */
	if (!json_object_object_get_ex(view, "m1", NULL)) {
		if (json_object_object_get_ex(view, "threshold", NULL))
			printf("kvmnetd: split %s%s (threshold %d)\n", get_str(view, "mode", "unknown"), dry,
			       get_int(view, "threshold"));
		else
			printf("kvmnetd: %s%s\n", get_str(view, "mode", "unknown"), dry);
		return;
	}
	printf("kvmnetd: split %s%s  M1 %d (threshold %d)  N1 %d VF(s)", get_str(view, "mode", "unknown"), dry,
	       get_int(view, "m1"), get_int(view, "threshold"), get_int(view, "n1"));
	/* An older daemon does not say; print nothing rather than -1. */
	if (json_object_object_get_ex(view, "spare", NULL))
		printf(", %d spare", get_int(view, "spare"));
	printf("\n");
}

/* What the daemon's loop is in the middle of: the view above is from
 * before it, and a long time here is why the view is not changing. */
static void print_busy(json_object *view)
{
	json_object *busy, *ms;

	if (!json_object_object_get_ex(view, "busy", &busy) || !json_object_is_type(busy, json_type_object))
		return;
	json_object_object_get_ex(busy, "for_ms", &ms);
	printf("    busy: %s (for %.1f s)\n", get_str(busy, "doing", "?"), (double)json_object_get_int64(ms) / 1000.0);
}

static bool get_seconds(json_object *o, const char *key, double *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return false;
	*ret = json_object_get_double(v);
	return true;
}

/* A PF's numvfs the kernel refused and what kvmnetd does about it. */
static void print_pf_failure(const char *pf, json_object *f)
{
	const char *next = get_str(f, "next", "?");

	printf("    PF %s: sriov_numvfs %d refused: %s (%s), %d time(s); ", pf, get_int(f, "count"),
	       get_str(f, "message", "?"), get_str(f, "error", "?"), get_int(f, "attempts"));
	if (streq(next, "retrying"))
		printf("retrying in %.1f s\n", (double)get_int(f, "retry_in_ms") / 1000.0);
	else if (streq(next, "fell-back"))
		printf("fell back to what the VMs need (%d), without headroom\n", get_int(f, "need"));
	else
		printf("given up: not written again until the VMs need another count or kvmnetd restarts\n");
}

/* What the daemon saw the kernel do with its changes of each PF: only
 * said once it made one (an older daemon says nothing). */
static void print_pfs(json_object *view)
{
	json_object *pfs, *f;
	size_t n;

	if (!json_object_object_get_ex(view, "pfs", &pfs) || !json_object_is_type(pfs, json_type_array))
		return;
	n = json_object_array_length(pfs);
	for (size_t i = 0; i < n; i++) {
		json_object *pf = json_object_array_get_idx(pfs, i);
		const char *name = get_str(pf, "name", "?");
		double numvfs, last, max;
		bool timed = get_seconds(pf, "numvfs_change_seconds", &numvfs),
		     bound = get_seconds(pf, "vfio_bind_seconds", &last) && get_seconds(pf, "vfio_bind_max_seconds", &max);

		if (timed || bound) {
			printf("    PF %s:", name);
			if (timed)
				printf(" sriov_numvfs %d took %.3f s%s", get_int(pf, "numvfs_change_to"), numvfs, bound ? ";" : "");
			if (bound)
				printf(" vfio-pci bind took %.3f s (longest %.3f s of %d)", last, max, get_int(pf, "vfio_binds"));
			printf("\n");
		}
		if (json_object_object_get_ex(pf, "numvfs_refused", &f) && f)
			printf("    PF %s: sriov_numvfs %d refused: %s (%s); staying below it, without headroom\n", name,
			       get_int(f, "count"), get_str(f, "message", "?"), get_str(f, "error", "?"));
		if (json_object_object_get_ex(pf, "numvfs_failure", &f) && f)
			print_pf_failure(name, f);
		/* [sriov] resize = drain: draining, or why not */
		if (json_object_object_get_ex(pf, "drain", &f) && f)
			printf("    PF %s: %s\n", name, json_object_get_string(f));
	}
}

/* The attaches the daemon has asked libvirt for and waits on ([sriov]
 * parallel_attach of them at once), each since its request. */
static void print_attaching(json_object *view)
{
	json_object *a;
	int64_t now = (int64_t)now_realtime_us();

	if (!json_object_object_get_ex(view, "attaching", &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		int64_t since = json_object_get_int64(json_object_object_get(e, "started_at_us"));

		printf("    attaching: VF %d of %s to VM %s (for %.1f s)\n", get_int(e, "vf"), get_str(e, "pf", "?"),
		       get_str(e, "vm", "?"), now > since ? (double)(now - since) / 1e6 : 0.0);
	}
}

/* [balloon]: the host's pressure and each guest's balloon, the guests
 * left alone named with why. */
static void print_balloon(json_object *view)
{
	json_object *b, *host, *guests;
	size_t n;

	if (!json_object_object_get_ex(view, "balloon", &b) || !json_object_is_type(b, json_type_object))
		return;
	json_object_object_get_ex(b, "host", &host);
	json_object_object_get_ex(b, "guests", &guests);
	printf("    balloon: host %s", json_object_get_boolean(json_object_object_get(host, "pressure")) ? "under pressure"
														: "not under pressure");
	if (json_object_get_boolean(json_object_object_get(host, "psi")))
		printf(" (PSI some %.2f%%, full %.2f%%%s)", json_object_get_double(json_object_object_get(host, "some_avg10")),
		       json_object_get_double(json_object_object_get(host, "full_avg10")),
		       json_object_get_boolean(json_object_object_get(host, "trigger")) ? ", trigger" : ", sampled");
	printf(", %d change(s)\n", get_int(b, "changes"));
	n = guests ? json_object_array_length(guests) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(guests, i);
		const char *alone = get_str(g, "left_alone", NULL);

		printf("      %-20s", get_str(g, "name", "?"));
		if (alone)
			printf(" left alone: %s\n", alone);
		else if (json_object_object_get(g, "original_kib"))
			printf(" %lld of %lld KiB (originally %lld)\n",
			       (long long)json_object_get_int64(json_object_object_get(g, "current_kib")),
			       (long long)json_object_get_int64(json_object_object_get(g, "max_kib")),
			       (long long)json_object_get_int64(json_object_object_get(g, "original_kib")));
		else
			printf(" %lld of %lld KiB\n", (long long)json_object_get_int64(json_object_object_get(g, "current_kib")),
			       (long long)json_object_get_int64(json_object_object_get(g, "max_kib")));
	}
}

/* [daemon] cpus: where kvmnetd's threads run, why, and its last move. */
static void print_cpus(json_object *view)
{
	json_object *c, *move;

	if (!json_object_object_get_ex(view, "cpus", &c) || !json_object_is_type(c, json_type_object))
		return;
	printf("    cpus: on CPU %d, pinned to %s (allowed %s: %s), %d thread(s), ", get_int(c, "cpu"),
	       get_str(c, "pinned_to", "nothing"), get_str(c, "allowed", "unknown"), get_str(c, "why", "?"),
	       get_int(c, "threads"));
	if (json_object_get_boolean(json_object_object_get(c, "sampling")))
		printf("sampled every %.1f s\n", get_int(c, "interval_ms") / 1000.0);
	else
		printf("not sampled ([daemon] cpus not set)\n");
	if (get_str(c, "error", NULL))
		printf("    cpus: error: %s\n", get_str(c, "error", "?"));
	if (json_object_object_get_ex(c, "last_move", &move) && json_object_is_type(move, json_type_object))
		printf("    cpus: last move at %s: %s\n", get_str(move, "at", "?"), get_str(move, "line", "?"));
}

void status_daemon_print(json_object *daemon)
{
	json_object *view, *lv, *vms = NULL, *unknowns = NULL;

	if (!json_object_object_get_ex(daemon, "view", &view)) {
		printf("kvmnetd: not running (%s)\n", get_str(daemon, "reason", "unknown"));
		return;
	}
	print_mode(view);
	print_busy(view);
	print_pfs(view);
	print_attaching(view);
	if (json_object_object_get_ex(view, "libvirt", &lv) && !json_object_get_boolean(json_object_object_get(lv, "connected")))
		printf("    libvirt %s unreachable: %s\n", get_str(lv, "uri", "?"), get_str(lv, "error", "unknown"));
	json_object_object_get_ex(view, "vms", &vms);
	print_vms(vms);
	print_balloon(view);
	print_cpus(view);
	/* What the daemon could not read: it takes nothing from it and
	 * changes nothing under it until it can. */
	if (json_object_object_get_ex(view, "unknowns", &unknowns) && json_object_is_type(unknowns, json_type_array))
		for (size_t i = 0; i < json_object_array_length(unknowns); i++) {
			json_object *u = json_object_array_get_idx(unknowns, i);

			printf("    unknown: %s: %s\n", get_str(u, "what", "?"), get_str(u, "cause", "?"));
		}
}
