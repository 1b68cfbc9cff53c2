/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "core/metrics.h"

static const double turn_bounds[] = { METRICS_TURN_BOUNDS };
static const double attach_bounds[] = { METRICS_ATTACH_BOUNDS };

void metrics_snapshot_init(MetricsSnapshot *s)
{
	*s = (MetricsSnapshot){ 0 };
	s->turn_seconds.bounds = turn_bounds;
	s->turn_seconds.n_bounds = ELEMENTSOF(turn_bounds);
	s->start_to_attach_seconds.bounds = attach_bounds;
	s->start_to_attach_seconds.n_bounds = ELEMENTSOF(attach_bounds);
}

void metrics_snapshot_clear(MetricsSnapshot *s)
{
	for (size_t i = 0; i < s->n_pfs; i++) {
		free(s->pfs[i].name);
		free(s->pfs[i].addr);
		free(s->pfs[i].netdev);
	}
	for (size_t i = 0; i < s->n_vfs; i++) {
		free(s->vfs[i].addr);
		free(s->vfs[i].domain);
	}
	free(s->pfs);
	free(s->vfs);
	s->pfs = NULL;
	s->vfs = NULL;
	s->n_pfs = s->n_vfs = 0;
}

void metrics_snapshot_clear_balloons(MetricsSnapshot *s)
{
	for (size_t i = 0; i < s->n_balloons; i++)
		free(s->balloons[i].domain);
	free(s->balloons);
	s->balloons = NULL;
	s->n_balloons = 0;
}

void metrics_snapshot_clear_attaching(MetricsSnapshot *s)
{
	for (size_t i = 0; i < s->n_attaching; i++) {
		free(s->attaching[i].domain);
		free(s->attaching[i].pf);
	}
	free(s->attaching);
	s->attaching = NULL;
	s->n_attaching = 0;
}

void metrics_snapshot_free(MetricsSnapshot *s)
{
	if (!s)
		return;
	metrics_snapshot_clear(s);
	metrics_snapshot_clear_balloons(s);
	metrics_snapshot_clear_attaching(s);
	free(s);
}

/* strdup that keeps NULL; false when out of memory. */
static bool dup_str(char **p)
{
	if (!*p)
		return true;
	*p = strdup(*p);
	return *p != NULL;
}

int metrics_snapshot_dup(const MetricsSnapshot *s, MetricsSnapshot **ret)
{
	MetricsSnapshot *c = malloc(sizeof(*c));
	bool ok = true;

	if (!c)
		return -ENOMEM;
	*c = *s;
	c->pfs = calloc(s->n_pfs ? s->n_pfs : 1, sizeof(*c->pfs));
	c->vfs = calloc(s->n_vfs ? s->n_vfs : 1, sizeof(*c->vfs));
	c->balloons = calloc(s->n_balloons ? s->n_balloons : 1, sizeof(*c->balloons));
	c->attaching = calloc(s->n_attaching ? s->n_attaching : 1, sizeof(*c->attaching));
	c->n_pfs = c->n_vfs = c->n_balloons = c->n_attaching = 0;
	if (!c->pfs || !c->vfs || !c->balloons || !c->attaching) {
		metrics_snapshot_free(c);
		return -ENOMEM;
	}
	/* Counted one by one, so that a failure frees only what was copied. */
	for (size_t i = 0; ok && i < s->n_pfs; i++) {
		MetricsPf *p = &c->pfs[c->n_pfs++];

		*p = s->pfs[i];
		p->addr = p->netdev = NULL;
		ok = dup_str(&p->name) && (p->addr = s->pfs[i].addr, dup_str(&p->addr)) &&
		     (p->netdev = s->pfs[i].netdev, dup_str(&p->netdev));
	}
	for (size_t i = 0; ok && i < s->n_vfs; i++) {
		MetricsVf *v = &c->vfs[c->n_vfs++];

		*v = s->vfs[i];
		v->domain = NULL;
		ok = dup_str(&v->addr) && (v->domain = s->vfs[i].domain, dup_str(&v->domain));
	}
	for (size_t i = 0; ok && i < s->n_balloons; i++) {
		MetricsBalloon *b = &c->balloons[c->n_balloons++];

		*b = s->balloons[i];
		ok = dup_str(&b->domain);
	}
	for (size_t i = 0; ok && i < s->n_attaching; i++) {
		MetricsAttach *a = &c->attaching[c->n_attaching++];

		*a = s->attaching[i];
		a->pf = NULL;
		ok = dup_str(&a->domain) && (a->pf = s->attaching[i].pf, dup_str(&a->pf));
	}
	if (!ok) {
		metrics_snapshot_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

const char *metrics_holder_to_string(MetricsHolder h)
{
	static const char *const names[] = { "free", "kvmnet", "domain", "host" };

	return (unsigned)h < ELEMENTSOF(names) ? names[h] : "unknown";
}

const char *metrics_split_to_string(MetricsSplit s)
{
	static const char *const names[] = { "unknown", "inactive", "active" };

	return (unsigned)s < ELEMENTSOF(names) ? names[s] : "unknown";
}

static void gauge(PromText *t, const char *name, const char *help, double v)
{
	prom_text_family(t, name, PROM_GAUGE, help);
	prom_text_sample(t, NULL, 0, v);
}

static void counter(PromText *t, const char *name, const char *help, uint64_t v)
{
	prom_text_family(t, name, PROM_COUNTER, help);
	prom_text_sample_u64(t, NULL, 0, v);
}

static void format_split(PromText *t, const MetricsSnapshot *s)
{
	prom_text_family(t, "kvmnet_split_state", PROM_GAUGE,
			 "The split's state: 1 for the current one of unknown (libvirt not observed), inactive, active");
	for (MetricsSplit m = 0; m < _METRICS_SPLIT_MAX; m++)
		prom_text_sample(t, &(PromLabel){ "state", metrics_split_to_string(m) }, 1, s->split == m);
	gauge(t, "kvmnet_threshold_vms", "M: managed running VMs at which the split starts ([sriov] threshold)",
	      s->threshold);
	gauge(t, "kvmnet_vfs_per_vm", "VFs each managed VM gets in the split ([sriov] vfs_per_vm)", s->vfs_per_vm);
	if (s->split == METRICS_SPLIT_UNKNOWN)
		return; /* unknown: no value rather than a wrong one */
	gauge(t, "kvmnet_managed_vms", "M1: running VMs kvmnetd manages (not opted out)", s->m1);
	gauge(t, "kvmnet_wanted_vfs", "N1: VFs the split wants (vfs_per_vm x M1, capped), 0 when inactive", s->n1);
	gauge(t, "kvmnet_spare_vfs", "VFs left to give once the plan is carried out, 0 when inactive", s->spare);
	prom_text_family(t, "kvmnet_waiting_vms", PROM_GAUGE, "Managed VMs that wait for a VF, by reason");
	for (PlanWait w = PLAN_WAIT_NONE + 1; w < _PLAN_WAIT_MAX; w++)
		if (plan_wait_to_string(w))
			prom_text_sample(t, &(PromLabel){ "reason", plan_wait_to_string(w) }, 1, s->waiting[w]);
}

static void format_pfs(PromText *t, const MetricsSnapshot *s)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} g[] = {
		{ "kvmnet_pf_totalvfs", "The PF's sriov_totalvfs", offsetof(MetricsPf, totalvfs) },
		{ "kvmnet_pf_numvfs", "The PF's sriov_numvfs: the VFs that exist", offsetof(MetricsPf, numvfs) },
		{ "kvmnet_pf_numvfs_wanted", "The numvfs kvmnetd's plan wants for the PF",
		  offsetof(MetricsPf, numvfs_wanted) },
	};

	if (s->split == METRICS_SPLIT_UNKNOWN)
		return;
	for (size_t k = 0; k < ELEMENTSOF(g); k++) {
		prom_text_family(t, g[k].name, PROM_GAUGE, g[k].help);
		for (size_t i = 0; i < s->n_pfs; i++) {
			PromLabel l[] = { { "pf", s->pfs[i].name }, { "address", s->pfs[i].addr } };

			if (s->pfs[i].unknown)
				continue;
			prom_text_sample(t, l, ELEMENTSOF(l), *(const unsigned *)((const char *)&s->pfs[i] + g[k].off));
		}
	}
	prom_text_family(t, "kvmnet_pf_split_by_kvmnet", PROM_GAUGE, "1 when kvmnetd set the PF's numvfs (its journal)");
	for (size_t i = 0; i < s->n_pfs; i++) {
		PromLabel l[] = { { "pf", s->pfs[i].name }, { "address", s->pfs[i].addr } };

		prom_text_sample(t, l, ELEMENTSOF(l), s->pfs[i].split_by_kvmnet);
	}
	prom_text_family(t, "kvmnet_pf_vfs", PROM_GAUGE,
			 "The PF's VFs by holder: free, kvmnet (attached by kvmnetd), domain (another domain), "
			 "host (a host driver); they add up to numvfs");
	for (size_t i = 0; i < s->n_pfs; i++) {
		if (s->pfs[i].unknown)
			continue;
		for (MetricsHolder h = 0; h < _METRICS_HOLDER_MAX; h++) {
			PromLabel l[] = { { "pf", s->pfs[i].name },
					  { "address", s->pfs[i].addr },
					  { "holder", metrics_holder_to_string(h) } };

			prom_text_sample(t, l, ELEMENTSOF(l), s->pfs[i].vfs[h]);
		}
	}
}

/* A gauge per PF where has(pf): the family only when one has. */
static void pf_seconds(PromText *t, const MetricsSnapshot *s, const char *name, const char *help, size_t has_off,
		       size_t off)
{
	bool family = false;

	for (size_t i = 0; i < s->n_pfs; i++) {
		PromLabel l[] = { { "pf", s->pfs[i].name }, { "address", s->pfs[i].addr } };

		if (!*(const bool *)((const char *)&s->pfs[i] + has_off))
			continue;
		if (!family)
			prom_text_family(t, name, PROM_GAUGE, help);
		family = true;
		prom_text_sample(t, l, ELEMENTSOF(l), *(const double *)((const char *)&s->pfs[i] + off));
	}
}

/* K2 of core/plan.h: a count the PF cannot have, kept below. */
static void format_pf_refused(PromText *t, const MetricsSnapshot *s)
{
	bool family = false;

	for (size_t i = 0; i < s->n_pfs; i++) {
		const MetricsPf *p = &s->pfs[i];
		PromLabel l[] = { { "pf", p->name }, { "address", p->addr }, { "error", p->numvfs_refused_error ?: "" } };

		if (!p->numvfs_refused_error)
			continue;
		if (!family)
			prom_text_family(t, "kvmnet_pf_numvfs_refused", PROM_GAUGE,
					 "A sriov_numvfs the PF refused for want of resources (error: the errno); "
					 "kvmnetd stays below it, without headroom");
		family = true;
		prom_text_sample(t, l, ELEMENTSOF(l), p->numvfs_refused);
	}
}

/* The kernel's side of the PFs: how long changes took, what it refused. */
static void format_pf_changes(PromText *t, const MetricsSnapshot *s)
{
	bool family = false;

	if (s->split == METRICS_SPLIT_UNKNOWN)
		return;
	pf_seconds(t, s, "kvmnet_pf_numvfs_change_seconds", "How long kvmnetd's last change of the PF's sriov_numvfs took",
		   offsetof(MetricsPf, numvfs_timed), offsetof(MetricsPf, numvfs_change_seconds));
	pf_seconds(t, s, "kvmnet_pf_vfio_bind_seconds", "How long kvmnetd's last vfio-pci bind of a VF of the PF took",
		   offsetof(MetricsPf, bind_timed), offsetof(MetricsPf, vfio_bind_seconds));
	pf_seconds(t, s, "kvmnet_pf_vfio_bind_max_seconds",
		   "The longest vfio-pci bind of a VF of the PF since kvmnetd started", offsetof(MetricsPf, bind_timed),
		   offsetof(MetricsPf, vfio_bind_max_seconds));
	for (size_t i = 0; i < s->n_pfs; i++) {
		const MetricsPf *p = &s->pfs[i];
		PromLabel l[] = { { "pf", p->name },
				  { "address", p->addr },
				  { "error", p->numvfs_failed_error ? p->numvfs_failed_error : "" },
				  { "next", p->numvfs_failed_next ? p->numvfs_failed_next : "" } };

		if (!p->numvfs_failed_error)
			continue;
		if (!family)
			prom_text_family(t, "kvmnet_pf_numvfs_failed", PROM_GAUGE,
					 "The sriov_numvfs the PF refused, while kvmnetd remembers it (error: the errno; "
					 "next: retrying, fell-back or given-up)");
		family = true;
		prom_text_sample(t, l, ELEMENTSOF(l), p->numvfs_failed);
	}
	format_pf_refused(t, s);
}

static void format_vfs(PromText *t, const MetricsSnapshot *s)
{
	if (s->split == METRICS_SPLIT_UNKNOWN)
		return;
	prom_text_family(t, "kvmnet_vf_info", PROM_GAUGE,
			 "1 per VF, with its PCI address and who holds it (domain empty when none)");
	for (size_t i = 0; i < s->n_vfs; i++) {
		const MetricsVf *v = &s->vfs[i];
		char idx[16];
		PromLabel l[] = { { "pf", s->pfs[v->pf].name },
				  { "vf", idx },
				  { "address", v->addr ? v->addr : "" },
				  { "domain", v->domain ? v->domain : "" },
				  { "holder", metrics_holder_to_string(v->holder) } };

		snprintf(idx, sizeof(idx), "%u", v->index);
		prom_text_sample(t, l, ELEMENTSOF(l), 1);
	}
}

static void format_traffic(PromText *t, const MetricsSnapshot *s, const VfStats *traffic)
{
	static const struct {
		VfStat stat;
		const char *name, *help;
	} c[] = {
		{ VF_STAT_RX_BYTES, "kvmnet_vf_receive_bytes_total", "Bytes the VF received (IFLA_VF_STATS)" },
		{ VF_STAT_TX_BYTES, "kvmnet_vf_transmit_bytes_total", "Bytes the VF sent (IFLA_VF_STATS)" },
		{ VF_STAT_RX_PACKETS, "kvmnet_vf_receive_packets_total", "Packets the VF received (IFLA_VF_STATS)" },
		{ VF_STAT_TX_PACKETS, "kvmnet_vf_transmit_packets_total", "Packets the VF sent (IFLA_VF_STATS)" },
		{ VF_STAT_BROADCAST, "kvmnet_vf_receive_broadcast_packets_total",
		  "Broadcast packets the VF received (IFLA_VF_STATS)" },
		{ VF_STAT_MULTICAST, "kvmnet_vf_receive_multicast_packets_total",
		  "Multicast packets the VF received (IFLA_VF_STATS)" },
		{ VF_STAT_RX_DROPPED, "kvmnet_vf_receive_dropped_packets_total",
		  "Received packets the VF dropped (IFLA_VF_STATS)" },
		{ VF_STAT_TX_DROPPED, "kvmnet_vf_transmit_dropped_packets_total",
		  "Packets to send the VF dropped (IFLA_VF_STATS)" },
	};

	if (!traffic)
		return;
	for (size_t k = 0; k < ELEMENTSOF(c); k++) {
		bool family = false;

		for (size_t i = 0; i < s->n_vfs; i++) {
			const MetricsVf *v = &s->vfs[i];
			char idx[16];
			PromLabel l[] = { { "pf", s->pfs[v->pf].name }, { "vf", idx }, { "address", v->addr ? v->addr : "" } };

			if (!(traffic[i].mask & (1u << c[k].stat)))
				continue;
			if (!family)
				prom_text_family(t, c[k].name, PROM_COUNTER, c[k].help);
			family = true;
			snprintf(idx, sizeof(idx), "%u", v->index);
			prom_text_sample_u64(t, l, ELEMENTSOF(l), traffic[i].v[c[k].stat]);
		}
	}
}

/* Every kind but PLAN_WAIT, by its name in the plan's log lines. */
static void format_actions(PromText *t, const char *name, const char *help, const uint64_t *n)
{
	prom_text_family(t, name, PROM_COUNTER, help);
	for (PlanActionType k = 0; k < _PLAN_ACTION_MAX; k++)
		if (k != PLAN_WAIT && plan_action_type_to_string(k))
			prom_text_sample_u64(t, &(PromLabel){ "action", plan_action_type_to_string(k) }, 1, n[k]);
}

/* What is in flight: with [sriov] parallel_attach several attaches wait
 * for libvirt at once, each since its start time. */
static void format_attaching(PromText *t, const MetricsSnapshot *s)
{
	gauge(t, "kvmnet_parallel_attach", "Attaches kvmnetd runs at once at most ([sriov] parallel_attach)",
	      s->parallel_attach);
	gauge(t, "kvmnet_attaches_in_flight", "Attaches requested from libvirt and not answered yet",
	      (double)s->n_attaching);
	prom_text_family(t, "kvmnet_attach_started_timestamp_seconds", PROM_GAUGE,
			 "When each attach in flight was requested, by domain, PF and VF");
	for (size_t i = 0; i < s->n_attaching; i++) {
		const MetricsAttach *a = &s->attaching[i];
		char vf[16];

		snprintf(vf, sizeof(vf), "%u", a->vf);
		prom_text_sample(t, (PromLabel[]){ { "domain", a->domain }, { "pf", a->pf }, { "vf", vf } }, 3,
				 a->started);
	}
}

static void format_activity(PromText *t, const MetricsSnapshot *s)
{
	format_actions(t, "kvmnet_actions_applied_total", "Plan actions carried out, by kind", s->applied);
	format_actions(t, "kvmnet_actions_failed_total", "Plan actions the kernel or libvirt refused, by kind",
		       s->failed);
	prom_text_family(t, "kvmnet_turn_duration_seconds", PROM_HISTOGRAM,
			 "How long one turn of the loop (observe, decide, act) took");
	prom_text_histogram(t, NULL, 0, &s->turn_seconds);
	counter(t, "kvmnet_turns_failed_total", "Turns that ended in an error (retried with backoff)", s->turns_failed);
	prom_text_family(t, "kvmnet_start_to_attach_seconds", PROM_HISTOGRAM,
			 "From a VM's start event to kvmnetd's request to attach its VF");
	prom_text_histogram(t, NULL, 0, &s->start_to_attach_seconds);
	prom_text_family(t, "kvmnet_irq_moves_total", PROM_COUNTER,
			 "NIC interrupt vectors kvmnetd moved ([irq]): place (onto an allowed CPU), busy (off a busy one)");
	for (IrqMoveReason r = IRQ_MOVE_PLACE; r <= IRQ_MOVE_BUSY; r++)
		prom_text_sample_u64(t, &(PromLabel){ "reason", irq_move_reason_to_string(r) }, 1, s->irq_moves[r]);
	format_attaching(t, s);
	gauge(t, "kvmnet_libvirt_connected", "1 while kvmnetd is connected to libvirt", s->libvirt_connected);
	counter(t, "kvmnet_libvirt_reconnects_total", "Connections to libvirt after the first", s->libvirt_reconnects);
}

/* One gauge of every balloon, in bytes; an unknown size is left out. */
static void balloon_family(PromText *t, const MetricsSnapshot *s, const char *name, const char *help, size_t off)
{
	prom_text_family(t, name, PROM_GAUGE, help);
	for (size_t i = 0; i < s->n_balloons; i++) {
		uint64_t kib = *(const uint64_t *)((const char *)&s->balloons[i] + off);

		if (kib != UINT64_MAX)
			prom_text_sample_u64(t, &(PromLabel){ "domain", s->balloons[i].domain }, 1, kib * 1024);
	}
}

static void format_balloons(PromText *t, const MetricsSnapshot *s)
{
	if (!s->balloon_enabled)
		return;
	gauge(t, "kvmnet_memory_pressure", "1 while [balloon] sees the host under memory pressure", s->memory_pressure);
	counter(t, "kvmnet_balloon_changes_total", "Balloon sizes [balloon] has set", s->balloon_changes);
	balloon_family(t, s, "kvmnet_balloon_size_bytes", "A guest's memory as its balloon leaves it",
		       offsetof(MetricsBalloon, current_kib));
	balloon_family(t, s, "kvmnet_balloon_max_bytes", "A guest's maximum memory",
		       offsetof(MetricsBalloon, max_kib));
	balloon_family(t, s, "kvmnet_balloon_original_bytes", "A guest's memory before [balloon] first changed it",
		       offsetof(MetricsBalloon, original_kib));
	prom_text_family(t, "kvmnet_balloon_left_alone", PROM_GAUGE,
			 "1 for a guest [balloon] leaves alone (no balloon statistics, opted out)");
	for (size_t i = 0; i < s->n_balloons; i++)
		prom_text_sample(t, &(PromLabel){ "domain", s->balloons[i].domain }, 1, s->balloons[i].left_alone);
}

int metrics_format(const MetricsSnapshot *s, const VfStats *traffic, char **ret, size_t *ret_len)
{
	PromText t;

	prom_text_init(&t);
	prom_text_family(&t, "kvmnet_build_info", PROM_GAUGE, "1, with kvmnet's version as a label");
	prom_text_sample(&t, &(PromLabel){ "version", s->version ? s->version : "" }, 1, 1);
	gauge(&t, "kvmnet_dry_run", "1 when kvmnetd runs with --dry-run (it changes nothing)", s->dry_run);
	format_split(&t, s);
	format_pfs(&t, s);
	format_pf_changes(&t, s);
	format_vfs(&t, s);
	format_traffic(&t, s, traffic);
	format_activity(&t, s);
	format_balloons(&t, s);
	return prom_text_finish(&t, ret, ret_len);
}
