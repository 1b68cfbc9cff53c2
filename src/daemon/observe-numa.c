/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "core/plan-numa.h"
#include "daemon/observe-numa.h"
#include "host/cpus.h"
#include "model/domain-numa.h"

static int vm_policy(Observation *o, size_t v, const char *numa)
{
	PlanVm *vm = &o->vms[v];

	if (!numa || plan_numa_from_string(numa, &vm->numa) >= 0)
		return 0;
	/* The guest's owner wrote it: printable characters only. */
	vm->unknown = PLAN_UNKNOWN_METADATA;
	free(o->vm_unknowns[v]);
	o->vm_unknowns[v] = NULL;
	for (const char *p = numa; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			numa = "(not printable)";
	return asprintf(&o->vm_unknowns[v], "kvmnet metadata numa=\"%.32s\" is none of required, preferred, legacy",
			numa) < 0
		       ? -ENOMEM
		       : 0;
}

int observe_numa(Observation *o, const DomainDef *const *defs)
{
	_cleanup_free_ CpuSet *nodes = NULL;
	unsigned n_nodes;
	int r;

	/* A node whose CPU list cannot be read is empty: a vCPU pinned
	 * there is on no known node, and its VM "any". */
	r = cpus_numa_node_cpus(&nodes, &n_nodes);
	if (r < 0)
		return r;
	for (size_t v = 0; v < o->in.n_vms; v++) {
		PlanVm *vm = &o->vms[v];
		int node;

		if (!defs[v] || vm->unknown != PLAN_KNOWN)
			continue;
		r = vm_policy(o, v, defs[v]->kvmnet_numa);
		if (r < 0)
			return r;
		node = n_nodes ? domain_numa_node(defs[v], nodes, n_nodes) : -1;
		vm->has_node = node >= 0;
		vm->node = node >= 0 ? (unsigned)node : 0;
	}
	return 0;
}

static json_object *node_json(bool has, unsigned node)
{
	return has ? json_object_new_int((int)node) : NULL;
}

void observe_numa_status_json(json_object *v, const Observation *o, const Plan *plan, size_t vm)
{
	const PlanVmStatus *s = &plan->vms[vm];

	json_object_object_add(v, "numa_node", node_json(o->vms[vm].has_node, o->vms[vm].node));
	json_object_object_add(v, "numa_policy",
			       json_object_new_string(plan_numa_to_string(plan_numa_effective(&o->in, vm))));
	json_object_object_add(v, "vf_numa_node", node_json(s->vf_node >= 0, (unsigned)s->vf_node));
	json_object_object_add(v, "numa_remote", json_object_new_boolean(s->remote));
}
