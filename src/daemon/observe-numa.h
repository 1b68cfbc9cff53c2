/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "daemon/observe.h"
#include "model/domain-xml.h"

/*
 * The NUMA inputs of the plan (core/plan.h N1-N4): each VM's node from its
 * live XML (<numatune>, <vcpupin>) and the host's node CPU lists, and its
 * own policy from its kvmnet metadata (numa=).  A node that cannot be told
 * is "any"; a numa= that is not a policy makes the VM unknown (U1), as a
 * manage= that is neither yes nor no does.
 */

/* defs: by VM index, NULL for a VM whose XML was not read. */
int observe_numa(Observation *o, const DomainDef *const *defs);

/* The NUMA fields of VM vm in kvmnetctl status --json: numa_node,
 * numa_policy, vf_numa_node, numa_remote. */
void observe_numa_status_json(json_object *v, const Observation *o, const Plan *plan, size_t vm);
