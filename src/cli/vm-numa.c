/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "host/cpus.h"
#include "model/domain-numa.h"
#include "vm-numa.h"

/* -1 when the host or the domain does not tell one node. */
static int domain_node(const DomainDef *d)
{
	_cleanup_free_ CpuSet *cpus = NULL;
	unsigned n;

	if (cpus_numa_node_cpus(&cpus, &n) < 0 || n == 0)
		return -1;
	return domain_numa_node(d, cpus, n);
}

static json_object *field(json_object *vm, const char *key)
{
	json_object *v;

	return vm && json_object_object_get_ex(vm, key, &v) ? v : NULL;
}

void vm_numa_print(CliFacts *f, const DomainDef *d)
{
	json_object *vm = cli_facts_daemon_vm(f, d);
	json_object *policy = field(vm, "numa_policy"), *vf = field(vm, "vf_numa_node");
	int node = domain_node(d);

	if (node >= 0)
		printf("  numa: node %d (its <numatune>/<vcpupin>)", node);
	else
		printf("  numa: any node (no <numatune> or <vcpupin> names one)");
	if (policy)
		printf("; kvmnetd's policy %s", json_object_get_string(policy));
	if (vf)
		printf("; its VF is on node %d%s", json_object_get_int(vf),
		       json_object_get_boolean(field(vm, "numa_remote")) ? " (remote)" : "");
	printf("\n");
}

void vm_numa_json(json_object *o, CliFacts *f, const DomainDef *d)
{
	json_object *vm = cli_facts_daemon_vm(f, d);
	int node = domain_node(d);

	json_object_object_add(o, "numa_node", node >= 0 ? json_object_new_int(node) : NULL);
	json_object_object_add(o, "numa_policy", json_object_get(field(vm, "numa_policy")));
	json_object_object_add(o, "vf_numa_node", json_object_get(field(vm, "vf_numa_node")));
	json_object_object_add(o, "numa_remote", json_object_new_boolean(json_object_get_boolean(field(vm, "numa_remote"))));
}
