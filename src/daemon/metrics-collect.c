/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "build-config.h"
#include "daemon/metrics-collect.h"
#include "daemon/metrics-server.h"
#include "daemon/pf-record.h"

/* VMs started and not yet given a VF: bounded, the oldest dropped, since
 * a host can start VMs faster than the split serves them. */
#define PENDING_MAX 256

typedef struct Pending {
	char *domain;
	uint64_t since_us;
} Pending;

struct Metrics {
	MetricsSnapshot snap;
	MetricsServer *server;
	bool has_listen;
	InetAddr listen;
	bool ever_connected;
	Pending pending[PENDING_MAX];
	size_t n_pending;
};

static void pending_drop(Metrics *m, size_t i)
{
	free(m->pending[i].domain);
	m->pending[i] = m->pending[--m->n_pending];
}

static int server_start(Metrics *m, const Config *c)
{
	char a[INET_ADDR_STRLEN];
	int r;

	m->has_listen = c->metrics_listen_set;
	m->listen = c->metrics_listen;
	if (!m->has_listen)
		return 0;
	r = metrics_server_start(&c->metrics_listen, &m->server);
	if (r < 0)
		return log_error_errno(r, "[metrics] listen = %s: cannot listen there: %m%s",
				       inet_addr_format(&c->metrics_listen, a),
				       r == -EADDRINUSE ? " (another program has that port; pick another)" : "");
	log_info("Serving metrics at http://%s/metrics", inet_addr_format(&c->metrics_listen, a));
	return 0;
}

int metrics_new(const Config *c, bool dry_run, Metrics **ret)
{
	Metrics *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	metrics_snapshot_init(&m->snap);
	m->snap.version = PACKAGE_VERSION;
	m->snap.dry_run = dry_run;
	m->snap.threshold = c->threshold;
	m->snap.vfs_per_vm = c->vfs_per_vm;
	m->snap.parallel_attach = c->parallel_attach;
	r = server_start(m, c);
	if (r < 0) {
		metrics_free(m);
		return r;
	}
	metrics_publish(m);
	*ret = m;
	return 0;
}

void metrics_free(Metrics *m)
{
	if (!m)
		return;
	metrics_server_free(m->server);
	while (m->n_pending > 0)
		pending_drop(m, 0);
	metrics_snapshot_clear(&m->snap);
	metrics_snapshot_clear_balloons(&m->snap);
	metrics_snapshot_clear_attaching(&m->snap);
	free(m);
}

static bool same_listen(const Metrics *m, const Config *c)
{
	return m->has_listen == c->metrics_listen_set &&
	       (!m->has_listen || (m->listen.len == c->metrics_listen.len &&
				   memcmp(&m->listen.sa, &c->metrics_listen.sa, m->listen.len) == 0));
}

int metrics_reconfigure(Metrics *m, const Config *c)
{
	int r = 0;

	if (!m)
		return 0;
	m->snap.threshold = c->threshold;
	m->snap.vfs_per_vm = c->vfs_per_vm;
	m->snap.parallel_attach = c->parallel_attach;
	if (!same_listen(m, c)) {
		metrics_server_free(m->server);
		m->server = NULL;
		r = server_start(m, c);
	}
	metrics_publish(m);
	return r;
}

void metrics_publish(Metrics *m)
{
	int r;

	if (!m || !m->server)
		return;
	r = metrics_server_publish(m->server, &m->snap);
	if (r < 0)
		log_debug_errno(r, "Publishing the metrics: %m");
}

const MetricsSnapshot *metrics_snapshot(const Metrics *m)
{
	return &m->snap;
}

void metrics_domain_event(Metrics *m, const char *domain, int event, uint64_t now_us)
{
	char *d;

	/* libvirt sends "resumed" before "started" for a VM that boots, and
	 * the first of them may already bring the turn that attaches: the
	 * start is the earlier one. */
	if (!m || !domain || (event != VIR_DOMAIN_EVENT_STARTED && event != VIR_DOMAIN_EVENT_RESUMED))
		return;
	for (size_t i = 0; i < m->n_pending; i++)
		if (streq(m->pending[i].domain, domain))
			return;
	d = strdup(domain);
	if (!d)
		return;
	if (m->n_pending == PENDING_MAX) {
		size_t oldest = 0;

		for (size_t i = 1; i < m->n_pending; i++)
			if (m->pending[i].since_us < m->pending[oldest].since_us)
				oldest = i;
		pending_drop(m, oldest);
	}
	m->pending[m->n_pending++] = (Pending){ d, now_us };
}

void metrics_action(Metrics *m, PlanActionType type, const char *vm, uint64_t start_us, bool ok)
{
	if (!m || (unsigned)type >= _PLAN_ACTION_MAX)
		return;
	if (ok)
		m->snap.applied[type]++;
	else
		m->snap.failed[type]++;
	if (type != PLAN_ATTACH || !vm)
		return;
	/* The request was made, whatever libvirt answered: a failed attach
	 * is counted above, and the VM's next attempt is not a new start. */
	for (size_t i = 0; i < m->n_pending; i++)
		if (streq(m->pending[i].domain, vm)) {
			uint64_t us = start_us > m->pending[i].since_us ? start_us - m->pending[i].since_us : 0;

			prom_histogram_observe(&m->snap.start_to_attach_seconds, (double)us / 1e6);
			pending_drop(m, i);
			break;
		}
}

void metrics_turn(Metrics *m, uint64_t duration_us, bool failed)
{
	if (!m)
		return;
	prom_histogram_observe(&m->snap.turn_seconds, (double)duration_us / 1e6);
	m->snap.turns_failed += failed;
	metrics_publish(m);
}

void metrics_libvirt(Metrics *m, bool connected)
{
	if (!m)
		return;
	m->snap.libvirt_connected = connected;
	if (connected && m->ever_connected)
		m->snap.libvirt_reconnects++;
	m->ever_connected |= connected;
	metrics_publish(m);
}

void metrics_irq_moved(Metrics *m, IrqMoveReason reason)
{
	if (!m || reason > IRQ_MOVE_BUSY)
		return;
	m->snap.irq_moves[reason]++;
	metrics_publish(m);
}

static const char *vf_domain(const Observation *o, const PlanVf *vf, const char *addr)
{
	if (vf->use == PLAN_VF_FREE)
		return NULL;
	if (vf->vm >= 0 && (size_t)vf->vm < o->in.n_vms)
		return o->vm_names[vf->vm];
	for (size_t i = 0; addr && i < o->n_holders; i++)
		if (streq(o->holders[i].pci_addr, addr))
			return o->holders[i].domain;
	return NULL;
}

static MetricsHolder vf_holder(const PlanVf *vf)
{
	if (vf->use == PLAN_VF_OURS)
		return METRICS_HOLDER_KVMNET;
	if (vf->use == PLAN_VF_FOREIGN)
		return METRICS_HOLDER_DOMAIN;
	return vf->driver == PLAN_DRIVER_OTHER ? METRICS_HOLDER_HOST : METRICS_HOLDER_FREE;
}

/* The PFs and VFs of the observation, into the (cleared) snapshot. */
static int view_pfs(MetricsSnapshot *s, const Observation *o, const Plan *plan)
{
	size_t n_vfs = 0;

	for (size_t p = 0; p < o->n_pfs; p++)
		n_vfs += o->plan_pfs[p].n_vfs;
	s->pfs = calloc(o->n_pfs ? o->n_pfs : 1, sizeof(*s->pfs));
	s->vfs = calloc(n_vfs ? n_vfs : 1, sizeof(*s->vfs));
	if (!s->pfs || !s->vfs)
		return -ENOMEM;
	for (size_t p = 0; p < o->n_pfs; p++) {
		const PlanPf *pp = &o->plan_pfs[p];
		MetricsPf *mp = &s->pfs[s->n_pfs++];

		*mp = (MetricsPf){ .totalvfs = pp->totalvfs, .numvfs = pp->numvfs, .numvfs_wanted = plan->pf_target[p],
				   .split_by_kvmnet = pp->numvfs_ours, .unknown = pp->unknown != PLAN_KNOWN };
		mp->name = strdup(o->pfs[p].name);
		/* (a PF gone from the bus has no address this turn) */
		mp->addr = strdup(o->pfs[p].addr ? o->pfs[p].addr : "");
		mp->netdev = o->pfs[p].ifname ? strdup(o->pfs[p].ifname) : NULL;
		if (!mp->name || !mp->addr || (o->pfs[p].ifname && !mp->netdev))
			return -ENOMEM;
		for (size_t k = 0; k < pp->n_vfs; k++) {
			const char *addr = o->pfs[p].vf_addrs[k], *dom = vf_domain(o, &pp->vfs[k], addr);
			MetricsVf *v = &s->vfs[s->n_vfs++];

			*v = (MetricsVf){ .pf = p, .index = pp->vfs[k].index, .holder = vf_holder(&pp->vfs[k]) };
			mp->vfs[v->holder]++;
			v->addr = addr ? strdup(addr) : NULL;
			v->domain = dom ? strdup(dom) : NULL;
			if ((addr && !v->addr) || (dom && !v->domain))
				return -ENOMEM;
		}
	}
	return 0;
}

/* A started VM stays pending while it may still get a VF from this
 * split: its plan has an attach for it not carried out yet (a dry run, a
 * turn cut short), or it waits for room.  One that holds its VFs, waits
 * below the threshold, opted out or holds one by hand is dropped: a later
 * attach does not follow from this start. */
static bool still_pending(const Observation *o, const Plan *plan, const char *domain)
{
	for (size_t v = 0; v < o->in.n_vms; v++) {
		PlanWait w = plan->vms[v].wait;

		if (!streq(o->vm_names[v], domain))
			continue;
		if (w == PLAN_WAIT_PF_BUSY || w == PLAN_WAIT_PF_NOT_OURS || w == PLAN_WAIT_NO_CAPACITY ||
		    w == PLAN_WAIT_NUMVFS_FAILED)
			return true;
		for (size_t i = 0; i < plan->n_actions; i++)
			if (plan->actions[i].type == PLAN_ATTACH && plan->actions[i].vm == (int)v)
				return true;
		return false;
	}
	return false;
}

static void prune_pending(Metrics *m, const Observation *o, const Plan *plan)
{
	for (size_t i = 0; o && plan && i < m->n_pending; i++)
		if (!still_pending(o, plan, m->pending[i].domain))
			pending_drop(m, i--);
}

void metrics_observed(Metrics *m, const Config *c, const Observation *o, const Plan *plan)
{
	MetricsSnapshot *s;

	if (!m)
		return;
	s = &m->snap;
	metrics_snapshot_clear(s);
	memset(s->waiting, 0, sizeof(s->waiting));
	s->threshold = c->threshold;
	s->vfs_per_vm = c->vfs_per_vm;
	s->split = METRICS_SPLIT_UNKNOWN;
	s->m1 = s->n1 = s->spare = 0;
	prune_pending(m, o, plan);
	if (!o || !plan)
		return;
	if (view_pfs(s, o, plan) < 0) {
		/* Half a view would show wrong numbers: none. */
		metrics_snapshot_clear(s);
		log_debug("Metrics: out of memory building the view");
		return;
	}
	s->split = plan->mode.active ? METRICS_SPLIT_ACTIVE : METRICS_SPLIT_INACTIVE;
	s->m1 = plan->m1;
	s->n1 = plan->n1;
	s->spare = plan->spare;
	for (size_t v = 0; v < o->in.n_vms; v++)
		if ((unsigned)plan->vms[v].wait < _PLAN_WAIT_MAX && plan->vms[v].wait != PLAN_WAIT_NONE)
			s->waiting[plan->vms[v].wait]++;
}

void metrics_pf_records(Metrics *m, const PfRecords *r)
{
	for (size_t i = 0; m && r && i < m->snap.n_pfs; i++) {
		MetricsPf *p = &m->snap.pfs[i];
		const PfRecord *rec;
		PciAddr a;

		if (!p->addr || pci_addr_parse(p->addr, &a) < 0 || !(rec = pf_records_find(r, &a)))
			continue;
		p->numvfs_timed = rec->numvfs_timed;
		p->numvfs_change_seconds = (double)rec->numvfs_us / 1e6;
		p->bind_timed = rec->binds > 0;
		p->vfio_bind_seconds = (double)rec->bind_last_us / 1e6;
		p->vfio_bind_max_seconds = (double)rec->bind_max_us / 1e6;
		p->numvfs_refused = rec->retry.refused;
		if (rec->retry.refused)
			p->numvfs_refused_error = strerrorname_np(abs(rec->retry.refused_error)) ?: "?";
		if (rec->retry.next == NUMVFS_NEXT_NONE)
			continue;
		p->numvfs_failed = rec->retry.count;
		p->numvfs_failed_error = strerrorname_np(abs(rec->retry.error)) ?: "?";
		p->numvfs_failed_next = numvfs_next_to_string(rec->retry.next);
	}
}

/* A size of the status, KiB; UINT64_MAX when null or absent. */
static uint64_t status_kib(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return UINT64_MAX;
	return (uint64_t)json_object_get_int64(v);
}

static int balloon_guest(MetricsBalloon *b, json_object *g)
{
	json_object *name, *why;

	if (!json_object_object_get_ex(g, "name", &name) || !json_object_is_type(name, json_type_string))
		return -EINVAL;
	*b = (MetricsBalloon){ .current_kib = status_kib(g, "current_kib"),
			       .max_kib = status_kib(g, "max_kib"),
			       .original_kib = status_kib(g, "original_kib"),
			       .left_alone = json_object_object_get_ex(g, "left_alone", &why) && why != NULL };
	b->domain = strdup(json_object_get_string(name));
	return b->domain ? 0 : -ENOMEM;
}

void metrics_balloon(Metrics *m, json_object *status)
{
	json_object *host, *pressure, *guests, *changes;
	MetricsSnapshot *s;
	size_t n;

	if (!m)
		return;
	s = &m->snap;
	metrics_snapshot_clear_balloons(s);
	s->balloon_enabled = status != NULL;
	if (!status)
		return;
	s->memory_pressure = json_object_object_get_ex(status, "host", &host) &&
			     json_object_object_get_ex(host, "pressure", &pressure) && json_object_get_boolean(pressure);
	if (json_object_object_get_ex(status, "changes", &changes))
		s->balloon_changes = (uint64_t)json_object_get_int64(changes);
	if (!json_object_object_get_ex(status, "guests", &guests) || !json_object_is_type(guests, json_type_array))
		return;
	n = json_object_array_length(guests);
	s->balloons = calloc(n ? n : 1, sizeof(*s->balloons));
	if (!s->balloons)
		return;
	for (size_t i = 0; i < n; i++)
		if (balloon_guest(&s->balloons[s->n_balloons], json_object_array_get_idx(guests, i)) == 0)
			s->n_balloons++;
}

void metrics_attaching(Metrics *m, const MetricsAttach *in_flight, size_t n)
{
	MetricsSnapshot *s;

	if (!m)
		return;
	s = &m->snap;
	metrics_snapshot_clear_attaching(s);
	s->attaching = calloc(n ? n : 1, sizeof(*s->attaching));
	for (size_t i = 0; s->attaching && i < n; i++) {
		MetricsAttach *a = &s->attaching[s->n_attaching];

		*a = (MetricsAttach){ .domain = strdup(in_flight[i].domain), .pf = strdup(in_flight[i].pf),
				      .vf = in_flight[i].vf, .started = in_flight[i].started };
		if (!a->domain || !a->pf) {
			/* Fewer entries rather than a half one. */
			free(a->domain);
			free(a->pf);
			break;
		}
		s->n_attaching++;
	}
	metrics_publish(m);
}
