/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvirt/libvirt.h>

#include "basic/deadline.h"
#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "act/irq-pin.h"
#include "core/irq-placement.h"
#include "core/irq-sample.h"
#include "daemon/irq-loop.h"
#include "daemon/log-event.h"
#include "daemon/metrics-collect.h"
#include "host/cpus.h"
#include "host/irq.h"
#include "host/irqbalance.h"
#include "host/netdev.h"
#include "host/pci.h"
#include "host/procfs.h"
#include "virt/domains.h"

#define AFFINITY_PREFIX "/proc/irq/"
#define AFFINITY_SUFFIX "/smp_affinity_list"
#define IRQBALANCE_KEY "irqbalance"
/* Samples between looks at what changes slowly: the VMs' vcpupin (for the
 * default CPUs) and whether irqbalance restarted (it forgets its bans). */
#define REFRESH_TICKS 10U

typedef struct LoopNic {
	char name[IF_NAMESIZE + PCI_ADDR_STRLEN];
	bool resolved;
	PciAddr pci;
	int node;
	CpuSet allowed;
	bool has_allowed;
	IrqPlacementState *state;
	unsigned *irqs;
	size_t n_irqs;
	bool warned; /* the NIC's trouble was logged once */
	bool aff_warned; /* an unreadable affinity was logged once */
} LoopNic;

struct IrqLoop {
	const DaemonContext *ctx;
	int timer;
	LoopNic *nics;
	size_t n_nics;
	ProcStat *stat; /* the last sample */
	ProcInterrupts *intr;
	uint64_t t_us;
	unsigned tick;
	unsigned *refused; /* vectors the kernel would not move: left alone */
	size_t n_refused;
	unsigned *banned; /* the list irqbalance was last sent */
	size_t n_banned;
	bool ban_sent;
	pid_t irqbalance_pid; /* who got it */
	bool irqbalance_warned;
};

static void nics_free(IrqLoop *l)
{
	for (size_t i = 0; i < l->n_nics; i++) {
		irq_placement_state_free(l->nics[i].state);
		free(l->nics[i].irqs);
	}
	free(l->nics);
	l->nics = NULL;
	l->n_nics = 0;
}

/* The configured NICs, or the [sriov] PFs (addresses: config-resolve.c);
 * their vectors are looked up lazily, a driver reload changes them. */
static int nics_setup(IrqLoop *l)
{
	const Config *c = l->ctx->config;
	const ConfigPf *src = c->irq.n_nics ? c->irq.nics : c->pfs;
	size_t n = c->irq.n_nics ? c->irq.n_nics : c->n_pfs;

	nics_free(l);
	l->nics = calloc(n + 1, sizeof(LoopNic));
	if (!l->nics)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		config_pf_to_string(&src[i], l->nics[i].name);
		l->nics[i].node = -1;
		if (irq_placement_state_new(&l->nics[i].state) < 0)
			return -ENOMEM;
		l->n_nics++;
	}
	return 0;
}

static int nic_resolve(LoopNic *nic)
{
	_cleanup_pci_function_ PciFunction *f = NULL;
	_cleanup_free_ char *addr = NULL;
	int r;

	r = pci_resolve_name(nic->name, &addr);
	if (r >= 0)
		r = pci_addr_parse(addr, &nic->pci);
	if (r < 0)
		return r;
	if (pci_function_read(addr, &f) >= 0)
		nic->node = f->numa_node;
	nic->resolved = true;
	return 0;
}

/* The CPUs VMs' vCPUs are pinned to, from libvirt; none when it is
 * unreachable (the next refresh tries again). */
static void pinned_cpus(IrqLoop *l, CpuSet *ret)
{
	virConnectPtr conn = l->ctx->watch ? watch_conn(l->ctx->watch) : NULL;
	_cleanup_free_ char *err = NULL;
	DomainList *doms = NULL;

	cpuset_zero(ret);
	if (!conn)
		return;
	if (virt_domains_running(conn, &doms, &err) < 0) {
		log_debug("irq: listing running domains for their vcpupin: %s", err ? err : "failed");
		return;
	}
	irq_vcpu_pinned_cpus(doms->defs, doms->n, ret);
	domain_list_free(doms);
}

/* [irq] cpus, or the NIC's node minus pinned and isolated CPUs. */
static int allowed_refresh(IrqLoop *l)
{
	CpuSet online, isolated, pinned, node;
	int r;

	r = cpus_online(&online);
	if (r < 0)
		return log_error_errno(r, "irq: reading /sys/devices/system/cpu/online: %m");
	if (cpus_isolated(&isolated) < 0)
		cpuset_zero(&isolated);
	pinned_cpus(l, &pinned);
	for (size_t i = 0; i < l->n_nics; i++) {
		LoopNic *nic = &l->nics[i];
		bool has_node = nic->node >= 0 && cpus_of_node(nic->node, &node) >= 0;

		if (l->ctx->config->irq.has_cpus) {
			nic->allowed = l->ctx->config->irq.cpus;
			nic->has_allowed = true;
			continue;
		}
		if (!nic->resolved)
			continue;
		nic->has_allowed = irq_default_cpus(&online, has_node ? &node : NULL, &pinned, &isolated,
						    &nic->allowed) >= 0;
	}
	return 0;
}

static bool is_refused(const IrqLoop *l, unsigned irq)
{
	for (size_t i = 0; i < l->n_refused; i++)
		if (l->refused[i] == irq)
			return true;
	return false;
}

static void add_refused(IrqLoop *l, unsigned irq)
{
	unsigned *n = reallocarray(l->refused, l->n_refused + 1, sizeof(unsigned));

	if (!n)
		return;
	l->refused = n;
	l->refused[l->n_refused++] = irq;
}

/* The NIC's vectors now (a driver reload changes them). */
static int nic_vectors(LoopNic *nic)
{
	unsigned *irqs;
	size_t n;
	int r;

	if (!nic->resolved) {
		r = nic_resolve(nic);
		if (r < 0)
			return r;
	}
	r = irq_pci_vectors(&nic->pci, &irqs, &n);
	if (r < 0) {
		nic->resolved = false; /* gone or renamed: look it up again */
		return r;
	}
	free(nic->irqs);
	nic->irqs = irqs;
	nic->n_irqs = n;
	return 0;
}

/* The original goes into the journal, on disk, before the first write. */
static int save_original(IrqLoop *l, unsigned irq, const CpuSet *current)
{
	_cleanup_free_ char *value = NULL;
	char key[64];
	int r;

	snprintf(key, sizeof(key), AFFINITY_PREFIX "%u" AFFINITY_SUFFIX, irq);
	if (journal_get_original(l->ctx->journal, key))
		return 0;
	r = cpuset_format_list(current, &value);
	if (r < 0)
		return r;
	r = journal_record_original(l->ctx->journal, key, value);
	if (r < 0)
		return r;
	return journal_save(l->ctx->journal, l->ctx->config->state_dir);
}

static void apply_move(IrqLoop *l, const IrqMove *m)
{
	_cleanup_free_ char *line = NULL, *name = NULL;
	IrqPinResult res;
	CpuSet cur, to;
	int r;

	(void)irq_read_actions(m->irq, &name);
	if (irq_move_format(m, name, l->ctx->config->irq.busy_percent, &line) < 0)
		return;
	if (l->ctx->dry_run) {
		log_info("Would move %s", line);
		return;
	}
	r = irq_read_affinity(m->irq, &cur);
	if (r >= 0)
		r = save_original(l, m->irq, &cur);
	if (r < 0) {
		log_error_errno(r, "irq %u: saving the original of /proc/irq/%u/smp_affinity_list in %s: %m; not moved",
				m->irq, m->irq, l->ctx->config->state_dir);
		return;
	}
	cpuset_zero(&to);
	r = m->to >= 0 ? cpuset_set(&to, (unsigned)m->to) : -EINVAL;
	if (r < 0) {
		log_error_errno(r, "irq %u: CPU %d is outside the CPU sets kvmnetd handles: %m; not moved", m->irq,
				m->to);
		return;
	}
	/* No wait for the effective affinity: the next sample shows it. */
	r = irq_pin(m->irq, &to, 0, &res);
	if (r < 0) {
		/* Managed and per-CPU vectors refuse every time: leave them be. */
		log_warning_errno(r, "irq %u: writing %d to /proc/irq/%u/smp_affinity_list: %m%s; leaving it alone",
				  m->irq, m->to, m->irq, irq_pin_hint(r));
		add_refused(l, m->irq);
	} else {
		log_irq_moved(m, line);
		metrics_irq_moved(l->ctx->metrics, m->reason);
	}
}

/* Per-vector loads of one NIC from the two /proc/interrupts samples. */
static int nic_loads(IrqLoop *l, LoopNic *nic, const ProcInterrupts *now, uint64_t dt, IrqVectorLoad **ret,
		     size_t *ret_n)
{
	IrqVectorLoad *v = calloc(nic->n_irqs + 1, sizeof(IrqVectorLoad));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < nic->n_irqs; i++) {
		unsigned irq = nic->irqs[i];
		CpuSet aff;
		double rate;
		int r;

		if (is_refused(l, irq))
			continue;
		r = irq_read_affinity(irq, &aff);
		if (r < 0) {
			/* Where it is now is unknown: it is not moved. */
			if (!nic->aff_warned)
				log_warning_errno(r, "irq %u of %s: reading /proc/irq/%u/smp_affinity_list: %m; left "
						  "where it is, retried every sample", irq, nic->name, irq);
			nic->aff_warned = true;
			continue;
		}
		if (irq_sample_rate(l->intr, now, irq, dt, &rate) < 0)
			rate = 0;
		v[n++] = (IrqVectorLoad){ .irq = irq, .rate = rate, .cpu = irq_affinity_single_cpu(&aff) };
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

IrqPlacementParams irq_loop_params(const Config *c)
{
	IrqPlacementParams p;

	irq_placement_params_default(&p);
	p.busy_percent = c->irq.busy_percent;
	/* decide() wants margin < busy_percent; a low threshold halves it. */
	if (p.margin > p.busy_percent / 2)
		p.margin = p.busy_percent / 2;
	return p;
}

static int place_nic(IrqLoop *l, LoopNic *nic, const double *busy, size_t n_busy, const ProcInterrupts *now,
		     uint64_t dt)
{
	_cleanup_free_ IrqVectorLoad *v = NULL;
	_cleanup_free_ IrqMove *moves = NULL;
	IrqPlacementParams p = irq_loop_params(l->ctx->config);
	size_t n_v, n_moves;
	int r;

	r = nic_loads(l, nic, now, dt, &v, &n_v);
	if (r < 0)
		return r;
	r = irq_placement_decide(nic->state, &p, &nic->allowed, busy, n_busy, v, n_v, &moves, &n_moves);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_moves; i++)
		apply_move(l, &moves[i]);
	return 0;
}

static void nic_trouble(LoopNic *nic, int r, const char *what)
{
	char buf[PCI_ADDR_STRLEN];

	if (nic->warned)
		return;
	nic->warned = true;
	if (nic->resolved)
		log_warning_errno(r, "irq: %s (%s): %s: %m; retrying every sample", nic->name,
				  pci_addr_format(&nic->pci, buf), what);
	else
		log_warning_errno(r, "irq: %s: %s: %m; retrying every sample", nic->name, what);
}

static int place_all(IrqLoop *l, const ProcStat *stat, const ProcInterrupts *intr, uint64_t dt)
{
	_cleanup_free_ double *busy = NULL;
	size_t n_busy;
	int r;

	r = irq_sample_busy(l->stat, stat, &busy, &n_busy);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n_nics; i++) {
		LoopNic *nic = &l->nics[i];

		if (!nic->has_allowed) {
			nic_trouble(nic, -ENOENT, "no CPU to place its vectors on (see [irq] cpus)");
			continue;
		}
		r = place_nic(l, nic, busy, n_busy, intr, dt);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			nic_trouble(nic, r, "placing its vectors");
	}
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Every vector of every NIC, sorted: what irqbalance must leave alone. */
static int all_vectors(const IrqLoop *l, unsigned **ret, size_t *ret_n)
{
	size_t n = 0, k = 0;
	unsigned *a;

	for (size_t i = 0; i < l->n_nics; i++)
		n += l->nics[i].n_irqs;
	a = calloc(n + 1, sizeof(unsigned));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_nics; i++)
		for (size_t j = 0; j < l->nics[i].n_irqs; j++)
			a[k++] = l->nics[i].irqs[j];
	qsort(a, n, sizeof(unsigned), cmp_unsigned);
	*ret = a;
	*ret_n = n;
	return 0;
}

static bool same_ban(const IrqLoop *l, const unsigned *irqs, size_t n)
{
	return l->ban_sent && n == l->n_banned && (n == 0 || memcmp(irqs, l->banned, n * sizeof(unsigned)) == 0);
}

/* irqbalance replaces its ban list with each command and forgets it when
 * it restarts: send the whole list when it changes or the pid does. */
static void irqbalance_ban(IrqLoop *l, bool look)
{
	_cleanup_free_ unsigned *irqs = NULL;
	_cleanup_free_ char *cmd = NULL, *path = NULL;
	size_t n;
	pid_t pid;
	int r;

	if (all_vectors(l, &irqs, &n) < 0)
		return;
	if (!look && same_ban(l, irqs, n))
		return;
	if (irqbalance_find_pid(&pid, NULL) < 0)
		return; /* not running: nothing to tell */
	if (pid == l->irqbalance_pid && same_ban(l, irqs, n))
		return;
	r = irqbalance_format_ban(irqs, n, &cmd);
	if (r >= 0)
		r = irqbalance_socket_path(pid, &path);
	if (r >= 0)
		r = irqbalance_send(path, cmd);
	if (r < 0) {
		if (!l->irqbalance_warned)
			log_warning_errno(r, "irq: telling irqbalance (pid %d, /run/irqbalance/irqbalance%d.sock) to "
					  "leave %zu vectors alone: %m; it may move them (irqbalance = stop stops it)",
					  (int)pid, (int)pid, n);
		l->irqbalance_warned = true;
		return;
	}
	log_info("irq: irqbalance (pid %d) told: %s", (int)pid, cmd);
	free(l->banned);
	l->banned = TAKE_PTR(irqs);
	l->n_banned = n;
	l->ban_sent = true;
	l->irqbalance_pid = pid;
}

static void irqbalance_stop_it(IrqLoop *l)
{
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int r;

	if (irqbalance_find_pid(&pid, &pidfd) < 0)
		return;
	if (l->ctx->dry_run) {
		log_info("irq: would stop irqbalance (pid %d)", (int)pid);
		return;
	}
	r = journal_record_original(l->ctx->journal, IRQBALANCE_KEY, "running");
	if (r >= 0)
		r = journal_save(l->ctx->journal, l->ctx->config->state_dir);
	if (r < 0) {
		log_error_errno(r, "irq: saving in the journal that irqbalance ran: %m; not stopping it");
		return;
	}
	r = irqbalance_stop(pidfd);
	if (r < 0)
		log_error_errno(r, "irq: stopping irqbalance (pid %d): %m", (int)pid);
	else
		log_info("irq: stopped irqbalance (pid %d) (irqbalance = stop)", (int)pid);
}

static void irqbalance_keep_off(IrqLoop *l, bool look)
{
	switch (l->ctx->config->irq.irqbalance) {
	case IRQBALANCE_BAN:
		if (!l->ctx->dry_run)
			irqbalance_ban(l, look);
		break;
	case IRQBALANCE_STOP:
		if (look)
			irqbalance_stop_it(l);
		break;
	case IRQBALANCE_IGNORE:
		break;
	}
}

int irq_loop_sample(IrqLoop *l, uint64_t t_us)
{
	_cleanup_proc_stat_ ProcStat *stat = NULL;
	_cleanup_proc_interrupts_ ProcInterrupts *intr = NULL;
	bool refresh = l->tick++ % REFRESH_TICKS == 0;
	int r;

	r = proc_stat_read(&stat);
	if (r < 0)
		return log_error_errno(r, "irq: reading /proc/stat: %m");
	r = proc_interrupts_read(&intr);
	if (r < 0)
		return log_error_errno(r, "irq: reading /proc/interrupts: %m");
	for (size_t i = 0; i < l->n_nics; i++) {
		r = nic_vectors(&l->nics[i]);
		if (r < 0)
			nic_trouble(&l->nics[i], r, "listing its vectors (/sys/bus/pci/devices/ADDR/msi_irqs)");
	}
	if (refresh && allowed_refresh(l) < 0)
		return -EIO;
	if (l->stat && t_us > l->t_us) {
		r = place_all(l, stat, intr, t_us - l->t_us);
		if (r < 0)
			return log_error_errno(r, "irq: placing: %m");
	}
	irqbalance_keep_off(l, refresh);
	proc_stat_free(l->stat);
	proc_interrupts_free(l->intr);
	l->stat = TAKE_PTR(stat);
	l->intr = TAKE_PTR(intr);
	l->t_us = t_us;
	return 0;
}

static void on_timer(int timer, void *opaque)
{
	IrqLoop *l = opaque;

	daemon_ctx_busy(l->ctx, "irq: sampling interrupts and placing vectors");
	(void)irq_loop_sample(l, now_monotonic_us());
}

static void arm(IrqLoop *l)
{
	const ConfigIrq *c = &l->ctx->config->irq;

	if (l->timer < 0)
		return;
	virEventUpdateTimeout(l->timer, c->enabled ? (int)(c->interval_us / 1000) : -1);
}

int irq_loop_new(const DaemonContext *ctx, IrqLoop **ret)
{
	IrqLoop *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->ctx = ctx;
	l->timer = -1;
	r = nics_setup(l);
	if (r < 0) {
		irq_loop_free(l);
		return r;
	}
	l->timer = virEventAddTimeout(-1, on_timer, l, NULL);
	if (l->timer < 0) {
		irq_loop_free(l);
		return -ENOMEM;
	}
	arm(l);
	*ret = l;
	return 0;
}

void irq_loop_reconfigure(IrqLoop *l)
{
	if (nics_setup(l) < 0)
		log_error("irq: out of memory reconfiguring");
	l->tick = 0; /* look up the CPUs again at the next sample */
	arm(l);
}

void irq_loop_free(IrqLoop *l)
{
	if (!l)
		return;
	if (l->timer >= 0)
		virEventRemoveTimeout(l->timer);
	nics_free(l);
	proc_stat_free(l->stat);
	proc_interrupts_free(l->intr);
	free(l->refused);
	free(l->banned);
	free(l);
}

/* "/proc/irq/42/smp_affinity_list" -> 42; -EINVAL for any other key. */
static int affinity_key_irq(const char *key, unsigned *ret)
{
	size_t plen = strlen(AFFINITY_PREFIX), slen = strlen(AFFINITY_SUFFIX), n = strlen(key);
	char num[16];
	uint32_t v;

	if (n <= plen + slen || !strneq(key, AFFINITY_PREFIX, plen) || !streq(key + n - slen, AFFINITY_SUFFIX) ||
	    n - plen - slen >= sizeof(num))
		return -EINVAL;
	memcpy(num, key + plen, n - plen - slen);
	num[n - plen - slen] = 0;
	if (parse_u32(num, &v) < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* One original back; forgotten when written or when the irq is gone. */
static int restore_one(Journal *j, const char *key, const char *value, unsigned irq)
{
	IrqPinResult res;
	CpuSet set;
	int r;

	r = cpuset_parse_list(value, &set);
	if (r >= 0)
		r = irq_pin(irq, &set, 0, &res);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "irq %u: writing %s back to %s: %m; kept in the journal", irq, value, key);
	if (r == -ENOENT)
		log_info("irq %u: gone; its original %s forgotten", irq, value);
	else
		log_info("irq %u: affinity restored to %s", irq, value);
	journal_forget_original(j, key);
	return 0;
}

static int restore_affinities(IrqLoop *l, size_t *ret_restored)
{
	Journal *j = l->ctx->journal;
	size_t restored = 0;
	int ret = 0;

	for (size_t i = 0; i < j->n_originals;) {
		_cleanup_free_ char *key = strdup(j->originals[i].key);
		_cleanup_free_ char *value = strdup(j->originals[i].value);
		unsigned irq;

		if (!key || !value)
			return -ENOMEM;
		if (affinity_key_irq(key, &irq) < 0) {
			i++; /* not ours: the tuning part's */
			continue;
		}
		if (restore_one(j, key, value, irq) < 0) {
			ret = -EIO;
			i++;
			continue;
		}
		restored++; /* forgotten: the next one moved to i */
	}
	*ret_restored = restored;
	return ret;
}

int irq_loop_revert(IrqLoop *l)
{
	size_t restored = 0;
	int r, ret;

	ret = restore_affinities(l, &restored);
	if (l->ctx->config->irq.irqbalance == IRQBALANCE_BAN && (l->ban_sent || restored > 0)) {
		pid_t pid;
		_cleanup_free_ char *path = NULL;

		if (irqbalance_find_pid(&pid, NULL) >= 0) {
			r = irqbalance_socket_path(pid, &path);
			if (r >= 0)
				r = irqbalance_send(path, "settings ban irqs NONE");
			if (r < 0)
				log_warning_errno(r, "irq: clearing irqbalance's ban list (pid %d): %m", (int)pid);
			else
				log_info("irq: irqbalance (pid %d) told: settings ban irqs NONE", (int)pid);
		}
	}
	if (journal_get_original(l->ctx->journal, IRQBALANCE_KEY)) {
		r = irqbalance_start();
		if (r != 0) {
			log_error("irq: starting irqbalance again failed (%s); kept in the journal",
				  r < 0 ? strerror(-r) : "non-zero exit");
			ret = -EIO;
		} else {
			log_info("irq: started irqbalance again");
			journal_forget_original(l->ctx->journal, IRQBALANCE_KEY);
		}
	}
	r = journal_save(l->ctx->journal, l->ctx->config->state_dir);
	if (r < 0)
		return log_error_errno(r, "Saving the journal in %s: %m", l->ctx->config->state_dir);
	return ret;
}
