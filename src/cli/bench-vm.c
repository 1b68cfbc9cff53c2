/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl bench --from EP --to EP: iperf3 between VMs and the host, run
 * in the guests through the QEMU guest agent (guest-exec). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "basic/string-util.h"
#include "basic/strv.h"
#include "bench.h"
#include "commands.h"
#include "measure/bench-endpoint.h"
#include "host/pci.h"
#include "host/route-src.h"
#include "spawn.h"
#include "virt/domains.h"
#include "virt/guest-agent.h"
#include "vm-common.h"

#define AGENT_CHANNEL "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
#define POLL_MS 200
/* Who the host-side iperf3 runs as when it talks to a guest. */
#define BENCH_HOST_USER "nobody"
/* Each step of stopping a process in a guest, and the wait for a one-off
 * server to end after its test: generous, for TCG guests. */
#define KILL_WAIT_MS 15000
/* All a guest's agent may send about one process (every guest-exec-status
 * reply for it): a real one sends a few bytes per poll and the output once.
 * With the per-reply GA_REPLY_MAX, a guest flooding replies is cut off
 * after two or three of them instead of growing this root process. */
#define GUEST_PROCESS_READ_MAX ((size_t)32 << 20)

/* One end: the host (dom NULL) or a running domain. */
typedef struct End {
	BenchEndpoint ep;
	virDomainPtr dom;
	char addr[16]; /* where the other end reaches it; "" until known */
	char **host_devs; /* the host's devices on the way to it (path_devices()) */
} End;

static const char *name(const End *e)
{
	return e->ep.domain ? e->ep.domain : "host";
}

/* What an operator can do about error r of the agent (guest-agent.h),
 * as one message; msg is libvirt's or the agent's own. */
static char *agent_message(const End *e, int r, const char *msg)
{
	const char *d = name(e);
	char *s = NULL;
	int k;

	msg = msg ? msg : strerror(-r);
	if (r == -ESRCH)
		k = asprintf(&s, "%s: domain '%s' is not running; start it (virsh start %s)", e->ep.spec, d, d);
	else if (r == -EOPNOTSUPP)
		k = asprintf(&s, "%s: domain '%s' has no guest agent channel; add %s to its <devices> (virsh edit %s), "
			     "restart it, and install and start qemu-guest-agent in the guest", e->ep.spec, d,
			     AGENT_CHANNEL, d);
	else if (r == -ENOTCONN)
		k = asprintf(&s, "%s: the guest agent of '%s' does not answer (%s); install and start qemu-guest-agent "
			     "in the guest", e->ep.spec, d, msg);
	else if (r == -EFBIG)
		k = asprintf(&s, "%s: the guest agent of '%s' sent too much (%s); kvmnet reads at most %zu MiB per reply "
			     "and %zu MiB per process from a guest", e->ep.spec, d, msg, GA_REPLY_MAX >> 20,
			     GUEST_PROCESS_READ_MAX >> 20);
	else if (r == -ENOSYS)
		k = asprintf(&s, "%s: the libvirt driver at %s runs no guest agent commands (%s); VM ends need QEMU "
			     "domains (qemu:///system)", e->ep.spec, cli.uri, msg);
	else
		k = asprintf(&s, "%s: %s", e->ep.spec, msg);
	return k < 0 ? NULL : s;
}

/* Print one error: its text holds what a guest said (the agent's desc,
 * iperf3's error and stderr), so it goes out escaped. */
static int fail(char *msg, int r)
{
	_cleanup_free_ char *safe = str_escape_untrusted(msg ? msg : strerror(-r), UNTRUSTED_TEXT_MAX);

	fprintf(stderr, "kvmnetctl bench: %s\n", safe ? safe : "(out of memory)");
	free(msg);
	return r;
}

static char *iperf3_missing(const End *e, const char *msg)
{
	char *s;

	return asprintf(&s, "%s: cannot run iperf3 in %s (%s); install iperf3 in %s", e->ep.spec, name(e), msg,
			name(e)) < 0
		       ? NULL
		       : s;
}

/* ---- processes in a guest */

/* guest-exec-status of pid once, what the guest sent counted in *read
 * (per process): -EFBIG over GUEST_PROCESS_READ_MAX. */
static int guest_status(End *e, int64_t pid, size_t *read, GaExecStatus *ret, char **ret_err)
{
	_cleanup_free_ char *msg = NULL;
	GaExecStatus st = {};
	int r = guest_exec_status(e->dom, pid, &st, &msg);

	if (r < 0) {
		*ret_err = agent_message(e, r, msg);
		return r;
	}
	*read += st.reply_len;
	if (*read > GUEST_PROCESS_READ_MAX) {
		ga_exec_status_done(&st);
		*ret_err = agent_message(e, -EFBIG, "over the limit in its replies about one process");
		return -EFBIG;
	}
	*ret = st;
	return 0;
}

/* Poll pid until it exits or timeout_ms passes; an interruptible wait
 * ends at Ctrl-C with -EINTR.  The caller kills what is left. */
static int guest_wait(End *e, int64_t pid, int timeout_ms, bool interruptible, size_t *read, GaExecStatus *ret,
		      char **ret_err)
{
	long long deadline = spawn_now_ms() + timeout_ms;

	for (;;) {
		GaExecStatus st = {};
		int r = guest_status(e, pid, read, &st, ret_err);

		if (r < 0)
			return r;
		if (st.exited) {
			*ret = st;
			return 0;
		}
		ga_exec_status_done(&st);
		if (interruptible && spawn_interrupted)
			return -EINTR;
		if (spawn_now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(POLL_MS * 1000);
	}
}

/* Run `path argv...` in the guest and wait for it, not interruptible: for
 * kill, which must work after Ctrl-C too. */
static int guest_run_quiet(End *e, const char *path, char *const argv[], int timeout_ms)
{
	_cleanup_free_ char *msg = NULL;
	GaExecStatus st = {};
	size_t read = 0;
	int64_t pid;
	int r = guest_exec_start(e->dom, path, argv, &pid, &msg);

	if (r < 0 || (r = guest_wait(e, pid, timeout_ms, false, &read, &st, &msg)) < 0)
		return r;
	r = ga_exec_status_code(&st);
	ga_exec_status_done(&st);
	return r;
}

/* Stop pid: kill (SIGTERM), then kill -9 if it has not gone within 15 s;
 * reap it so that the agent forgets it.  A failure is only a warning:
 * iperf3's --idle-timeout (server) or -t (client) ends it anyway. */
static void guest_kill(End *e, int64_t pid)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_free_ char *safe = NULL;
	char p[24], *term[] = { p, NULL }, *kill9[] = { "-9", p, NULL };
	GaExecStatus st = {};
	size_t read = 0;
	int r;

	snprintf(p, sizeof(p), "%lld", (long long)pid);
	r = guest_run_quiet(e, "kill", term, KILL_WAIT_MS);
	if (r >= 0 && (r = guest_wait(e, pid, KILL_WAIT_MS, false, &read, &st, &msg)) == -ETIMEDOUT) {
		r = guest_run_quiet(e, "kill", kill9, KILL_WAIT_MS);
		r = r < 0 ? r : guest_wait(e, pid, KILL_WAIT_MS, false, &read, &st, &msg);
	}
	ga_exec_status_done(&st);
	if (r < 0) {
		safe = str_escape_untrusted(msg ? msg : strerror(-r), UNTRUSTED_TEXT_MAX);
		fprintf(stderr, "kvmnetctl bench: %s: could not stop iperf3 (pid %s): %s; it ends by itself\n", e->ep.spec,
			p, safe ? safe : "?");
	}
}

/* A BenchRunner in a guest: u is the End. */
static int guest_run(void *u, char *const argv[], int timeout_ms, char **ret_out, char **ret_err)
{
	_cleanup_free_ char *msg = NULL;
	End *e = u;
	GaExecStatus st = {};
	size_t read = 0;
	int64_t pid;
	int r = guest_exec_start(e->dom, argv[0], argv + 1, &pid, &msg);

	/* qemu-ga answers a program it cannot start with the spawn error:
	 * "Failed to execute child process “iperf3” (No such file or directory)". */
	if (r == -EREMOTEIO) {
		*ret_err = iperf3_missing(e, msg);
		return -ENOENT;
	}
	if (r < 0) {
		*ret_err = agent_message(e, r, msg);
		return r;
	}
	r = guest_wait(e, pid, timeout_ms, true, &read, &st, ret_err);
	if (r < 0) {
		guest_kill(e, pid);
		if (!*ret_err)
			*ret_err = strdup(r == -EINTR ? "interrupted" : "iperf3 took too long and was stopped");
		return r;
	}
	if (st.has_exitcode && st.exitcode == 127) {
		*ret_err = iperf3_missing(e, "exit status 127");
		ga_exec_status_done(&st);
		return -ENOENT;
	}
	r = ga_exec_status_code(&st);
	*ret_out = st.out ? (char *)TAKE_PTR(st.out) : strdup("");
	*ret_err = st.err ? (char *)TAKE_PTR(st.err) : strdup("");
	ga_exec_status_done(&st);
	return r;
}

/* The one-off server of one run in a guest. */
typedef struct GuestServer {
	End *end;
	int64_t pid;
	bool running;
	size_t read; /* what its agent sent about it: guest_status() */
} GuestServer;

static int guest_server_start(GuestServer *s, End *e, const BenchOpts *o)
{
	_cleanup_free_ char *msg = NULL;
	char idle[16], *argv[] = { "-s", "-1", "--idle-timeout", idle, NULL };
	int r;

	/* -1: one test, then exit; --idle-timeout: exit if no client comes
	 * (beyond the client's retries, should kvmnetctl itself be killed). */
	snprintf(idle, sizeof(idle), "%u", o->seconds + (BENCH_GUEST_CONNECT_MS + BENCH_GUEST_SLACK_MS) / 1000);
	r = guest_exec_start(e->dom, "iperf3", argv, &s->pid, &msg);
	if (r == -EREMOTEIO)
		return fail(iperf3_missing(e, msg), -ENOENT);
	if (r < 0)
		return fail(agent_message(e, r, msg), r);
	s->end = e;
	s->running = true;
	return 0;
}

/* BenchRunner.server_gone for a GuestServer. */
static int guest_server_gone(void *u, char **ret_err)
{
	_cleanup_free_ char *msg = NULL;
	GuestServer *s = u;
	GaExecStatus st = {};
	int r = guest_status(s->end, s->pid, &s->read, &st, &msg);

	if (r == -EFBIG) {
		free(*ret_err);
		*ret_err = TAKE_PTR(msg);
		return r;
	}
	if (r < 0 || !st.exited) {
		ga_exec_status_done(&st);
		return 0; /* the client's own error will say more */
	}
	s->running = false;
	free(*ret_err);
	if (st.has_exitcode && st.exitcode == 127)
		*ret_err = iperf3_missing(s->end, "exit status 127");
	else if (asprintf(ret_err, "%s: the iperf3 server exited (status %d): %s", s->end->ep.spec,
			  ga_exec_status_code(&st), st.err ? (char *)st.err : "") < 0)
		*ret_err = NULL;
	ga_exec_status_done(&st);
	return -ESRCH;
}

/* After the client: a one-off server ends by itself; reap it, or stop it. */
static void guest_server_finish(GuestServer *s)
{
	_cleanup_free_ char *msg = NULL;
	GaExecStatus st = {};

	if (!s->running)
		return;
	if (spawn_interrupted || guest_wait(s->end, s->pid, KILL_WAIT_MS, true, &s->read, &st, &msg) < 0)
		guest_kill(s->end, s->pid);
	ga_exec_status_done(&st);
	s->running = false;
}

/* ---- the ends */

/* The domain exists and runs, has the agent's channel, and its agent
 * answers and allows guest-exec. */
/* The PF netdev behind a VF the domain holds: the host reaches the guest's
 * VF over the PF's network. */
static int add_pf_netdev(const PciAddr *vf, char ***devs)
{
	_cleanup_pci_function_ PciFunction *f = NULL, *pf = NULL;
	char buf[PCI_ADDR_STRLEN];

	if (pci_function_read(pci_addr_format(vf, buf), &f) < 0 || !f->physfn ||
	    pci_function_read(f->physfn, &pf) < 0 || !pf->netdevs)
		return 0;
	return strv_extend(devs, pf->netdevs[0]);
}

/* The host's devices a packet to the guest may leave by: each interface's
 * tap or macvtap, its bridge, its macvtap's lower device, the PF of its
 * VF.  What the guest's agent says its address is must route by one of
 * them, or a guest could point the host's iperf3 at any address. */
static int path_devices(const DomainDef *def, char ***ret)
{
	_cleanup_strv_free_ char **devs = NULL;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < def->n_ifaces; i++) {
		const DomainIface *f = &def->ifaces[i];
		const char *names[] = { f->target_dev, f->source_bridge, f->source_dev };

		for (size_t k = 0; r >= 0 && k < ELEMENTSOF(names); k++)
			if (names[k])
				r = strv_extend(&devs, names[k]);
		if (r >= 0 && f->has_pci_source)
			r = add_pf_netdev(&f->pci_source, &devs);
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(devs);
	return 0;
}

static int end_open(virConnectPtr c, End *e)
{
	_cleanup_domain_def_ DomainDef *def = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *cmds[] = { "guest-exec", "guest-exec-status" };
	bool enabled;
	int r;

	r = virt_domain_get(c, e->ep.domain, 0, &def, NULL, &e->dom, &msg);
	if (r == -ENOENT) {
		fprintf(stderr, "kvmnetctl bench: %s: no domain '%s' at %s\n", e->ep.spec, name(e), cli.uri);
		return r;
	}
	if (r < 0)
		return fail(agent_message(e, r, msg), r);
	if (virDomainIsActive(e->dom) != 1)
		return fail(agent_message(e, -ESRCH, NULL), -ESRCH);
	if (def->guest_agent == DOMAIN_AGENT_NONE)
		return fail(agent_message(e, -EOPNOTSUPP, NULL), -EOPNOTSUPP);
	if (path_devices(def, &e->host_devs) < 0)
		return fail(NULL, -ENOMEM);
	if (def->guest_agent == DOMAIN_AGENT_DISCONNECTED)
		return fail(agent_message(e, -ENOTCONN, "its channel is disconnected"), -ENOTCONN);
	for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
		r = guest_agent_has_command(e->dom, cmds[i], &enabled, &msg);
		if (r == -ENOENT || (r >= 0 && !enabled)) {
			fprintf(stderr, "kvmnetctl bench: %s: the guest agent of '%s' does not allow %s; allow it (qemu-ga "
				"--allow-rpcs, or remove it from --block-rpcs / BLOCK_RPCS in the agent's configuration)\n",
				e->ep.spec, name(e), cmds[i]);
			return -EPERM;
		}
		if (r < 0)
			return fail(agent_message(e, r, msg), r);
	}
	return 0;
}

/* @IPV4 as given, or the first global IPv4 the agent reports. */
static int end_address(End *e)
{
	_cleanup_free_ char *msg = NULL;
	GuestIpv4 *v = NULL;
	size_t n = 0, idx, count;
	int r;

	if (e->ep.has_addr) {
		memcpy(e->addr, e->ep.addr, sizeof(e->addr));
		return 0;
	}
	r = guest_ipv4_addresses(e->dom, &v, &n, &msg);
	if (r < 0)
		return fail(agent_message(e, r, msg), r);
	r = guest_ipv4_pick(v, n, &idx, &count);
	if (r < 0)
		fprintf(stderr, "kvmnetctl bench: %s: the guest agent reports no global IPv4 address in '%s' (%zu IPv4 "
			"addresses in all); give it one, or name one: vm:%s@IPV4\n", e->ep.spec, name(e), n, name(e));
	else {
		_cleanup_free_ char *ifname = str_escape_untrusted(v[idx].ifname, UNTRUSTED_TEXT_MAX);

		memcpy(e->addr, v[idx].addr, sizeof(e->addr));
		if (count > 1)
			fprintf(stderr, "kvmnetctl bench: %s: using %s on %s, the first of %zu global IPv4 addresses; name "
				"another with vm:%s@IPV4\n", e->ep.spec, v[idx].addr, ifname ? ifname : "?", count, name(e));
	}
	guest_ipv4_free(v, n);
	return r;
}

static void end_done(End *e)
{
	strv_free(e->host_devs);
	if (e->dom)
		virDomainFree(e->dom);
	bench_endpoint_done(&e->ep);
}

/* ---- the measurement */

typedef struct Bench {
	const BenchOpts *o;
	End from, to;
	char server_addr[16]; /* what the client connects to */
	pid_t host_server;    /* --to host: iperf3 -s here */
} Bench;

static int one_run(Bench *b, bool udp, BenchSeries *s)
{
	_cleanup_free_ char *err = NULL;
	GuestServer gs = {};
	BenchRunner runner = {
		.run = b->from.dom ? guest_run : bench_run_host,
		.u = b->from.dom ? (void *)&b->from : NULL,
		.server_gone = b->to.dom ? guest_server_gone : bench_host_server_gone,
		.server_u = b->to.dom ? (void *)&gs : (void *)&b->host_server,
		/* A guest at either end: starting iperf3 there is slow. */
		.connect_ms = BENCH_GUEST_CONNECT_MS,
		.slack_ms = b->from.dom ? BENCH_GUEST_SLACK_MS : BENCH_HOST_SLACK_MS,
	};
	int r;

	if (b->to.dom && (r = guest_server_start(&gs, &b->to, b->o)) < 0)
		return r;
	/* The sender leaves from its @IPV4 when one was named. */
	r = bench_client(&runner, b->server_addr, b->from.ep.has_addr ? b->from.ep.addr : NULL, b->o, udp,
			 &s->bps[s->n], &s->lost_pct[s->n], &err);
	if (b->to.dom)
		guest_server_finish(&gs);
	if (r == -EINTR)
		return r;
	if (r < 0)
		return fail(TAKE_PTR(err), r);
	s->n++;
	return 0;
}

/* Whether the guest's address e->addr routes from the host by one of the
 * guest's own devices; the host's source address towards it in ret_src. */
static int on_path(const End *e, char ret_src[static 16])
{
	char oif[IF_NAMESIZE];
	int r;

	r = route_get_ipv4(e->addr, ret_src, oif);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl bench: no route from the host to %s (%s): %s\n", e->addr, e->ep.spec,
			strerror(-r));
		return r;
	}
	if (!strv_contains(e->host_devs, oif)) {
		_cleanup_free_ char *devs = strv_join(e->host_devs, ", ");

		fprintf(stderr, "kvmnetctl bench: %s: the host reaches %s by %s, which is none of %s's devices (%s): "
			"refusing to run iperf3 towards it; name the guest's own address with vm:%s@IPV4\n", e->ep.spec,
			e->addr, oif, name(e), devs && *devs ? devs : "none", name(e));
		return -EHOSTUNREACH;
	}
	return 0;
}

/* Where the client sends to: the receiving VM's address, or the host's
 * source address towards the sending VM. */
static int server_address(Bench *b)
{
	char src[16];
	int r;

	if (b->to.dom) {
		r = end_address(&b->to);
		memcpy(b->server_addr, b->to.addr, sizeof(b->server_addr));
		/* The host sends to the guest: only along the way to it. */
		return r < 0 || b->from.dom ? r : on_path(&b->to, src);
	}
	if ((r = end_address(&b->from)) < 0)
		return r;
	/* The host listens on its own address towards the guest, and only
	 * when that is the way to the guest. */
	r = on_path(&b->from, b->server_addr);
	return r;
}

static int host_server_start(Bench *b)
{
	char idle[16], *argv[] = { "iperf3", "-s", "-B", b->server_addr, "--idle-timeout", idle, NULL };
	int r;

	snprintf(idle, sizeof(idle), "%u", b->o->seconds + (BENCH_GUEST_CONNECT_MS + BENCH_GUEST_SLACK_MS) / 1000);
	r = spawn_background(argv, &b->host_server);
	if (r < 0)
		fprintf(stderr, "kvmnetctl bench: cannot start iperf3 on the host: %s\n", strerror(-r));
	return r;
}

/* Unlike the other commands, bench holds its connection for minutes of
 * agent calls, each bounded by the agent timeout libvirtd applies; one
 * --timeout budget over all of them would cut a long run short, so its
 * libvirt calls are not bounded by it.  A libvirtd that stops answering
 * stalls bench until a second Ctrl-C (see cmd-bench.c). */
static int bench_conn_open(virConnectPtr *ret)
{
	_cleanup_free_ char *err = NULL;
	int r;

	r = virt_conn_open(cli.uri, 0, ret, &err);
	if (r < 0)
		fprintf(stderr, "kvmnetctl bench: cannot connect to %s: %s\n", cli.uri, err ? err : strerror(-r));
	return r;
}

static int measure(Bench *b, BenchSeries *tcp, BenchSeries *udp)
{
	virConnectPtr c = NULL;
	int r = 0;

	/* The host's iperf3 talks to a guest: it runs without root. */
	if ((r = spawn_set_user(BENCH_HOST_USER)) < 0) {
		fprintf(stderr, "kvmnetctl bench: no user '%s' to run the host's iperf3 as: %s\n", BENCH_HOST_USER,
			strerror(-r));
		return r;
	}
	/* Read-write: libvirt refuses agent commands on a read-only connection. */
	if ((r = bench_conn_open(&c)) < 0)
		return r;
	if ((b->from.ep.kind == BENCH_EP_VM && (r = end_open(c, &b->from)) < 0) ||
	    (b->to.ep.kind == BENCH_EP_VM && (r = end_open(c, &b->to)) < 0) || (r = server_address(b)) < 0 ||
	    (!b->to.dom && (r = host_server_start(b)) < 0))
		goto out;
	/* A Ctrl-C during the agent's checks: start nothing. */
	for (unsigned k = 0; r >= 0 && !spawn_interrupted && k < b->o->runs; k++) {
		if (b->o->tcp)
			r = one_run(b, false, tcp);
		if (r >= 0 && b->o->udp)
			r = one_run(b, true, udp);
	}
out:
	spawn_stop(b->host_server, 2000);
	virt_conn_close(c);
	return r;
}

static int parse_ends(const BenchOpts *o, Bench *b)
{
	_cleanup_free_ char *err = NULL;

	if (bench_endpoint_parse(o->from, &b->from.ep, &err) < 0)
		return cli_usage_error("bench", "--from %s", err ? err : "?");
	if (bench_endpoint_parse(o->to, &b->to.ep, &err) < 0)
		return cli_usage_error("bench", "--to %s", err ? err : "?");
	if (bench_endpoints_check(&b->from.ep, &b->to.ep, &err) < 0)
		return cli_usage_error("bench", "%s", err ? err : "?");
	return -1;
}

int bench_vm_main(const BenchOpts *o)
{
	_cleanup_free_ char *label = NULL;
	BenchSeries s[2] = {};
	Bench b = { .o = o, .host_server = -1 };
	int rc = parse_ends(o, &b), r;

	if (rc >= 0)
		goto done;
	rc = EXIT_FAILED;
	label = o->label ? strdup(o->label) : bench_default_label(&b.from.ep, &b.to.ep);
	if (!label || bench_series_init(&s[0], label, o->from, o->to, NULL, "tcp", o->seconds) < 0 ||
	    bench_series_init(&s[1], label, o->from, o->to, NULL, "udp", o->seconds) < 0)
		goto done;
	r = measure(&b, &s[0], &s[1]);
	if (r == -EINTR || spawn_interrupted)
		fprintf(stderr, "kvmnetctl bench: interrupted; iperf3 stopped\n");
	else if (r >= 0)
		rc = bench_output(o->tcp ? s : s + 1, o->tcp && o->udp ? 2 : 1, NULL, NULL, 0, o);
done:
	bench_series_done(&s[0]);
	bench_series_done(&s[1]);
	end_done(&b.from);
	end_done(&b.to);
	return rc;
}
