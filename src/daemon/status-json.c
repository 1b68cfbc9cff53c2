/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/attach-run.h"
#include "daemon/balloon-loop.h"
#include "daemon/ctl-server.h"
#include "daemon/metrics-collect.h"
#include "daemon/monitor-loop.h"
#include "daemon/status-json.h"
#include "model/vf-policy.h"
#include "daemon/observe-numa.h"

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *drain_json(const Observation *o, const Plan *plan, size_t pf)
{
	_cleanup_free_ char *s = NULL;

	return plan_drain_format(&o->in, plan, pf, &s) < 0 ? NULL : str_or_null(s);
}

static json_object *pfs_json(const Observation *o, const Plan *plan, const PfRecords *recs)
{
	json_object *a = json_object_new_array();
	uint64_t now = now_monotonic_us();

	for (size_t i = 0; i < o->n_pfs; i++) {
		json_object *p = json_object_new_object();
		const PlanPf *pp = &o->plan_pfs[i];

		bool known = pp->unknown == PLAN_KNOWN;

		json_object_object_add(p, "name", json_object_new_string(o->pfs[i].name));
		json_object_object_add(p, "address", str_or_null(o->pfs[i].addr));
		json_object_object_add(p, "netdev", str_or_null(o->pfs[i].ifname));
		json_object_object_add(p, "unknown", known ? NULL : json_object_new_string(o->pfs[i].unknown ?: "?"));
		json_object_object_add(p, "totalvfs", known ? json_object_new_int((int)pp->totalvfs) : NULL);
		json_object_object_add(p, "numvfs", known ? json_object_new_int((int)pp->numvfs) : NULL);
		json_object_object_add(p, "numvfs_wanted", json_object_new_int((int)plan->pf_target[i]));
		json_object_object_add(p, "spare", json_object_new_int((int)plan->pf_spare[i]));
		json_object_object_add(p, "split_by_kvmnetd", json_object_new_boolean(pp->numvfs_ours));
		json_object_object_add(p, "numa_node", pp->has_node ? json_object_new_int((int)pp->node) : NULL);
		/* resize = drain: "draining PF for N VFs ..." or why not (plan.h D1, D2) */
		json_object_object_add(p, "drain", drain_json(o, plan, i));
		pf_record_add_json(o->pfs[i].addr ? pf_records_find(recs, &pp->addr) : NULL, p, now);
		json_object_array_add(a, p);
	}
	return a;
}

/* The VM's VF policy ("vlan 100 qos 0, trust on") or null. */
static json_object *policy_json(const VfConfig *c)
{
	_cleanup_free_ char *s = NULL;

	if (!(c->mask & ~VF_ATTR_BIT(VF_ATTR_MAC)) || vf_policy_format(c, &s) < 0)
		return NULL;
	return json_object_new_string(s);
}

static json_object *vms_json(const Daemon *d, const Observation *o, const Plan *plan)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < o->in.n_vms; i++) {
		const PlanVmStatus *s = &plan->vms[i];
		json_object *v = json_object_new_object();

		json_object_object_add(v, "name", json_object_new_string(o->vm_names[i]));
		json_object_object_add(v, "uuid", json_object_new_string(o->vm_uuids[i]));
		json_object_object_add(v, "path", json_object_new_string(plan_path_to_string(s->path)));
		json_object_object_add(v, "unknown", str_or_null(o->vm_unknowns[i]));
		json_object_object_add(v, "vfs", json_object_new_int((int)s->n_vfs));
		json_object_object_add(v, "waiting_for",
				       s->wait == PLAN_WAIT_NONE ? NULL : json_object_new_string(plan_wait_to_string(s->wait)));
		json_object_object_add(v, "waiting_on_pf",
				       s->wait_pf >= 0 ? json_object_new_string(o->pfs[s->wait_pf].name) : NULL);
		/* what libvirt says of its migration (path migrating) */
		json_object_object_add(v, "migration", str_or_null(o->vm_migrations[i]));
		/* libvirt's live XML pairs its VF with its virtio NIC */
		json_object_object_add(v, "teamed", json_object_new_boolean(o->vm_teamed[i]));
		/* its metadata's VF policy, and why the NIC refused it (vf-policy) */
		json_object_object_add(v, "vf_policy", policy_json(&o->vms[i].vf_policy));
		json_object_object_add(v, "vf_policy_refused", str_or_null(vf_refusals_cause(&d->vf_refusals, o->vm_uuids[i])));
		observe_numa_status_json(v, o, plan, i);
		/* path vf-pending: what was asked of libvirt this turn */
		json_object_object_add(v, "pending", s->n_detach   ? json_object_new_string("detach")
						     : s->n_attach ? json_object_new_string("attach")
								   : NULL);
		json_object_array_add(a, v);
	}
	return a;
}

/* What could not be read this turn and why (observation_unknowns()). */
static json_object *unknowns_json(char **pairs)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2) {
		json_object *u = json_object_new_object();

		json_object_object_add(u, "what", json_object_new_string(pairs[i]));
		json_object_object_add(u, "cause", json_object_new_string(pairs[i + 1]));
		json_object_array_add(a, u);
	}
	return a;
}

static void publish(Daemon *d, const Observation *o, const Plan *plan, bool connected, const char *libvirt_error,
		    char **unknowns)
{
	json_object *root = json_object_new_object(), *lv = json_object_new_object();
	int r;

	json_object_object_add(root, "dry_run", json_object_new_boolean(d->ctx.dry_run));
	json_object_object_add(lv, "uri", json_object_new_string(d->ctx.config->libvirt_uri));
	json_object_object_add(lv, "connected", json_object_new_boolean(connected));
	json_object_object_add(lv, "error", str_or_null(libvirt_error));
	json_object_object_add(root, "libvirt", lv);
	json_object_object_add(root, "threshold", json_object_new_int((int)d->ctx.config->threshold));
	json_object_object_add(root, "vfs_per_vm", json_object_new_int((int)d->ctx.config->vfs_per_vm));
	json_object_object_add(root, "min_dwell_ms", json_object_new_int64((int64_t)(d->ctx.config->min_dwell_us / 1000)));
	json_object_object_add(root, "headroom", d->ctx.config->headroom == CONFIG_HEADROOM_MAX
							 ? json_object_new_string("max")
							 : json_object_new_int((int)d->ctx.config->headroom));
	json_object_object_add(root, "parallel_attach", json_object_new_int((int)d->ctx.config->parallel_attach));
	json_object_object_add(root, "numa", json_object_new_string(plan_numa_to_string(d->ctx.config->numa)));
	json_object_object_add(root, "attaching", attach_run_status(d->attaching));
	if (o && plan) {
		json_object_object_add(root, "mode", json_object_new_string(plan->mode.active ? "active" : "inactive"));
		json_object_object_add(root, "m1", json_object_new_int((int)plan->m1));
		json_object_object_add(root, "n1", json_object_new_int((int)plan->n1));
		json_object_object_add(root, "spare", json_object_new_int((int)plan->spare));
		json_object_object_add(root, "split_ends_at_us",
				       plan->wakeup_us ? json_object_new_int64((int64_t)plan->wakeup_us) : NULL);
		json_object_object_add(root, "pfs", pfs_json(o, plan, &d->pf_records));
		json_object_object_add(root, "vms", vms_json(d, o, plan));
	} else
		json_object_object_add(root, "mode", json_object_new_string("unknown"));
	json_object_object_add(root, "unknowns", unknowns_json(unknowns));
	json_object_object_add(root, "balloon", balloon_loop_status(d->balloon_loop));
	json_object_object_add(root, "cpus", monitor_loop_status(d->monitor_loop));

	/* The control socket's thread answers from this copy from now on. */
	r = ctl_server_publish(d->ctl, root);
	/* The metrics show the same observation and plan. */
	metrics_observed(d->metrics, d->ctx.config, o, plan);
	metrics_pf_records(d->metrics, &d->pf_records);
	if (r < 0)
		log_debug_errno(r, "Publishing the status view: %m");
	json_object_put(root);
}

void daemon_set_status(Daemon *d, const Observation *o, const Plan *plan, const char *libvirt_error)
{
	_cleanup_strv_free_ char **unknowns = NULL;

	if (o && observation_unknowns(o, &unknowns) < 0)
		log_debug("Listing the unknowns for the status view: out of memory");
	publish(d, o, plan, o != NULL, libvirt_error, unknowns);
}

void daemon_set_unknown_status(Daemon *d, char **unknowns)
{
	publish(d, NULL, NULL, true, NULL, unknowns);
}
