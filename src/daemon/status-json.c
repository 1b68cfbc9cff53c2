/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/balloon-loop.h"
#include "daemon/ctl-server.h"
#include "daemon/metrics-collect.h"
#include "daemon/status-json.h"

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *pfs_json(const Observation *o, const Plan *plan)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < o->n_pfs; i++) {
		json_object *p = json_object_new_object();
		const PlanPf *pp = &o->plan_pfs[i];

		json_object_object_add(p, "name", json_object_new_string(o->pfs[i].name));
		json_object_object_add(p, "address", json_object_new_string(o->pfs[i].addr));
		json_object_object_add(p, "netdev", str_or_null(o->pfs[i].ifname));
		json_object_object_add(p, "totalvfs", json_object_new_int((int)pp->totalvfs));
		json_object_object_add(p, "numvfs", json_object_new_int((int)pp->numvfs));
		json_object_object_add(p, "numvfs_wanted", json_object_new_int((int)plan->pf_target[i]));
		json_object_object_add(p, "spare", json_object_new_int((int)plan->pf_spare[i]));
		json_object_object_add(p, "split_by_kvmnetd", json_object_new_boolean(pp->numvfs_ours));
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *vms_json(const Observation *o, const Plan *plan)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < o->in.n_vms; i++) {
		const PlanVmStatus *s = &plan->vms[i];
		json_object *v = json_object_new_object();

		json_object_object_add(v, "name", json_object_new_string(o->vm_names[i]));
		json_object_object_add(v, "uuid", json_object_new_string(o->vm_uuids[i]));
		json_object_object_add(v, "path", json_object_new_string(plan_path_to_string(s->path)));
		json_object_object_add(v, "vfs", json_object_new_int((int)s->n_vfs));
		json_object_object_add(v, "waiting_for",
				       s->wait == PLAN_WAIT_NONE ? NULL : json_object_new_string(plan_wait_to_string(s->wait)));
		json_object_object_add(v, "waiting_on_pf",
				       s->wait_pf >= 0 ? json_object_new_string(o->pfs[s->wait_pf].name) : NULL);
		json_object_array_add(a, v);
	}
	return a;
}

void daemon_set_status(Daemon *d, const Observation *o, const Plan *plan, const char *libvirt_error)
{
	json_object *root = json_object_new_object(), *lv = json_object_new_object(), *probs;
	int r;

	json_object_object_add(root, "dry_run", json_object_new_boolean(d->ctx.dry_run));
	json_object_object_add(lv, "uri", json_object_new_string(d->ctx.config->libvirt_uri));
	json_object_object_add(lv, "connected", json_object_new_boolean(o != NULL));
	json_object_object_add(lv, "error", str_or_null(libvirt_error));
	json_object_object_add(root, "libvirt", lv);
	json_object_object_add(root, "threshold", json_object_new_int((int)d->ctx.config->threshold));
	json_object_object_add(root, "vfs_per_vm", json_object_new_int((int)d->ctx.config->vfs_per_vm));
	json_object_object_add(root, "min_dwell_ms", json_object_new_int64((int64_t)(d->ctx.config->min_dwell_us / 1000)));
	json_object_object_add(root, "headroom", d->ctx.config->headroom == CONFIG_HEADROOM_MAX
							 ? json_object_new_string("max")
							 : json_object_new_int((int)d->ctx.config->headroom));
	if (o && plan) {
		json_object_object_add(root, "mode", json_object_new_string(plan->mode.active ? "active" : "inactive"));
		json_object_object_add(root, "m1", json_object_new_int((int)plan->m1));
		json_object_object_add(root, "n1", json_object_new_int((int)plan->n1));
		json_object_object_add(root, "spare", json_object_new_int((int)plan->spare));
		json_object_object_add(root, "split_ends_at_us",
				       plan->wakeup_us ? json_object_new_int64((int64_t)plan->wakeup_us) : NULL);
		json_object_object_add(root, "pfs", pfs_json(o, plan));
		json_object_object_add(root, "vms", vms_json(o, plan));
	} else
		json_object_object_add(root, "mode", json_object_new_string("unknown"));
	probs = json_object_new_array();
	for (char **p = o ? o->problems : NULL; p && *p; p++)
		json_object_array_add(probs, json_object_new_string(*p));
	json_object_object_add(root, "problems", probs);
	json_object_object_add(root, "balloon", balloon_loop_status(d->balloon_loop));

	/* The control socket's thread answers from this copy from now on. */
	r = ctl_server_publish(d->ctl, root);
	/* The metrics show the same observation and plan. */
	metrics_observed(d->metrics, d->ctx.config, o, plan);
	if (r < 0)
		log_debug_errno(r, "Publishing the status view: %m");
	json_object_put(root);
}
