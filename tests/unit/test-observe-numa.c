/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetd's NUMA observation (daemon/observe-numa.c) on a fake root with
 * two nodes: a VM's node from its <vcpupin> and <numatune>, its own
 * policy from its kvmnet metadata, and a numa= that is no policy making
 * the VM unknown (U1) with the value in the cause.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/observe-numa.h"
#include "../lib/tmp-root.h"



static DomainDef *parse(const char *xml)
{
	DomainDef *d = NULL;

	assert_int_equal(domain_xml_parse(xml, strlen(xml), &d, NULL), 0);
	return d;
}

static void test_observe(void **state)
{
	char root[TMP_ROOT_MAX];
	PlanVm vms[3] = { { .name = "a" }, { .name = "b" }, { .name = "c" } };
	char *unknowns[3] = { NULL, NULL, NULL };
	Observation o = { .vms = vms, .vm_unknowns = unknowns, .in = { .n_vms = 3, .vms = vms } };
	DomainDef *defs[3];

	assert_int_equal(tmp_root_new(root, "observe-numa"), 0);
	assert_int_equal(tmp_root_put(root, "/sys/devices/system/node/online", "0-1\n"), 0);
	assert_int_equal(tmp_root_put(root, "/sys/devices/system/node/node0/cpulist", "0-1\n"), 0);
	assert_int_equal(tmp_root_put(root, "/sys/devices/system/node/node1/cpulist", "2-3\n"), 0);
	defs[0] = parse("<domain><name>a</name><metadata><k:domain xmlns:k='http://kvmnet.org/xmlns/domain/1.0' "
			"numa='required'/></metadata><cputune><vcpupin vcpu='0' cpuset='3'/></cputune>"
			"<numatune><memory nodeset='1'/></numatune></domain>");
	defs[1] = parse("<domain><name>b</name><metadata><k:domain xmlns:k='http://kvmnet.org/xmlns/domain/1.0' "
			"numa='Strict'/></metadata><cputune><vcpupin vcpu='0' cpuset='0'/></cputune></domain>");
	defs[2] = parse("<domain><name>c</name><cputune><vcpupin vcpu='0' cpuset='1-2'/></cputune></domain>");
	assert_int_equal(observe_numa(&o, (const DomainDef *const *)defs), 0);
	assert_true(vms[0].has_node);
	assert_int_equal(vms[0].node, 1);
	assert_int_equal(vms[0].numa, PLAN_NUMA_REQUIRED);
	assert_int_equal(vms[0].unknown, PLAN_KNOWN);
	assert_int_equal(vms[1].unknown, PLAN_UNKNOWN_METADATA);
	assert_string_equal(unknowns[1], "kvmnet metadata numa=\"Strict\" is none of required, preferred, legacy");
	assert_false(vms[2].has_node); /* pinned across both nodes: any */
	assert_int_equal(vms[2].numa, PLAN_NUMA_DEFAULT);
	/* a host that tells no nodes: every VM is "any" */
	assert_int_equal(tmp_root_put(root, "/sys/devices/system/node/online", "\n"), 0);
	vms[0] = (PlanVm){ .name = "a" };
	assert_int_equal(observe_numa(&o, (const DomainDef *const *)defs), 0);
	assert_false(vms[0].has_node);
	for (size_t i = 0; i < 3; i++) {
		domain_def_free(defs[i]);
		free(unknowns[i]);
	}
	assert_int_equal(tmp_root_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
