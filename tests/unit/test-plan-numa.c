/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decision core and NUMA (plan.h N1-N4): a VM's VF comes from a PF on
 * its node when its policy says so, and its status says when it is remote.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "core/plan-numa.h"
#include "daemon/config.h"
#include "model/domain-numa.h"
#include "plan-assert.h"

/* Threshold 1, one VF per VM, PF 0 on node 0 and PF 1 on node 1, not
 * split yet, `total1` VFs on PF 1; the policy `numa`. */
static Model *two_nodes(unsigned total1, PlanNuma numa)
{
	Model *m = model_new(1, 1, 0);

	model_add_pf(m, 7, 0, false);
	model_add_pf(m, total1, 0, false);
	m->pfs[0].has_node = true;
	m->pfs[1].has_node = true;
	m->pfs[1].node = 1;
	m->params.headroom = PLAN_HEADROOM_MAX;
	m->params.numa = numa;
	return m;
}

static int start_on(Model *m, int node)
{
	int vm = model_start_vm(m, true);

	m->vms[vm].has_node = node >= 0;
	m->vms[vm].node = node >= 0 ? (unsigned)node : 0;
	return vm;
}

static int pf_of(Model *m, int vm)
{
	for (size_t p = 0; p < m->n_pfs; p++)
		for (size_t i = 0; i < m->pfs[p].n_vfs; i++)
			if (m->vfs[p][i].vm == vm)
				return (int)p;
	return -1;
}

/* N1: VMs on node 1 get node 1's VFs, though PF 0 comes first and the
 * two PFs have as many left. */
static void test_preferred_local(void **state)
{
	_cleanup_free_ Model *m = two_nodes(7, PLAN_NUMA_PREFERRED);
	_cleanup_plan_free_ Plan *p = NULL;

	for (int i = 0; i < 3; i++)
		start_on(m, 1);
	converge(m);
	for (int vm = 0; vm < 3; vm++)
		assert_int_equal(pf_of(m, vm), 1);
	p = decide(m);
	for (int vm = 0; vm < 3; vm++) {
		assert_int_equal(p->vms[vm].vf_node, 1);
		assert_false(p->vms[vm].remote);
	}
}

/* N1: node 1 full: the next VM on node 1 gets node 0's VF, said remote. */
static void test_preferred_full_goes_remote(void **state)
{
	_cleanup_free_ Model *m = two_nodes(2, PLAN_NUMA_PREFERRED);
	_cleanup_plan_free_ Plan *p = NULL;

	for (int i = 0; i < 3; i++)
		start_on(m, 1);
	converge(m);
	assert_int_equal(pf_of(m, 0), 1);
	assert_int_equal(pf_of(m, 1), 1);
	assert_int_equal(pf_of(m, 2), 0);
	p = decide(m);
	assert_int_equal(p->vms[2].path, PLAN_PATH_VF);
	assert_int_equal(p->vms[2].vf_node, 0);
	assert_true(p->vms[2].remote);
	assert_false(p->vms[0].remote);
}

/* N2: required, node 1 full: the third VM waits on virtio, saying why,
 * though node 0 has VFs left. */
static void test_required_waits(void **state)
{
	_cleanup_free_ Model *m = two_nodes(2, PLAN_NUMA_REQUIRED);
	_cleanup_plan_free_ Plan *p = NULL;
	PlanInput in;
	char *line = NULL;

	for (int i = 0; i < 3; i++)
		start_on(m, 1);
	converge(m);
	assert_int_equal(pf_of(m, 2), -1);
	p = decide(m);
	assert_actions(p, "wait:numa:-1:2");
	assert_int_equal(p->vms[2].path, PLAN_PATH_VIRTIO);
	assert_int_equal(p->vms[2].wait, PLAN_WAIT_NUMA);
	assert_int_equal(p->vms[2].vf_node, -1);
	assert_int_equal(p->spare, 7);
	in = model_input(m);
	assert_int_equal(plan_action_format(&in, p, &p->actions[0], &line), 0);
	assert_string_equal(line, "wait: VM vm3 stays on virtio: numa: no free VF on node 1 (its policy is required)");
	free(line);
	assert_string_equal(plan_wait_to_string(PLAN_WAIT_NUMA), "numa");
}

/* N2 per VM: its metadata's required beats the host's preferred; a VM
 * whose own policy is legacy takes node 0's VF (most left). */
static void test_per_vm_override(void **state)
{
	_cleanup_free_ Model *m = two_nodes(1, PLAN_NUMA_PREFERRED);
	_cleanup_plan_free_ Plan *p = NULL;
	int a = start_on(m, 1), b = start_on(m, 1), c = start_on(m, 1);

	m->vms[b].numa = PLAN_NUMA_REQUIRED;
	m->vms[c].numa = PLAN_NUMA_LEGACY;
	converge(m);
	assert_int_equal(pf_of(m, a), 1);
	assert_int_equal(pf_of(m, b), -1);
	assert_int_equal(pf_of(m, c), 0);
	p = decide(m);
	assert_int_equal(p->vms[b].wait, PLAN_WAIT_NUMA);
	assert_true(p->vms[c].remote);
}

/* N3: legacy, a VM with no node, or PFs with no node: today's spread,
 * PF 0 first on a tie, and required never makes a VM wait for it. */
static void test_legacy_and_unknown_nodes(void **state)
{
	_cleanup_free_ Model *m = two_nodes(7, PLAN_NUMA_LEGACY);
	_cleanup_free_ Model *n = two_nodes(7, PLAN_NUMA_REQUIRED);
	_cleanup_free_ Model *o = two_nodes(7, PLAN_NUMA_REQUIRED);

	start_on(m, 1);
	converge(m);
	assert_int_equal(pf_of(m, 0), 0);
	start_on(n, -1);
	converge(n);
	assert_int_equal(pf_of(n, 0), 0);
	o->pfs[0].has_node = o->pfs[1].has_node = false;
	start_on(o, 1);
	converge(o);
	assert_int_equal(pf_of(o, 0), 0);
	assert_int_equal(plan_numa_effective(&(PlanInput){ .vms = o->vms, .n_vms = 1, .pfs = o->pfs, .n_pfs = 2,
							   .params = o->params },
					     0),
			 PLAN_NUMA_LEGACY);
}

/* N4: a VM keeps its remote VF when a local one frees up. */
static void test_remote_kept(void **state)
{
	_cleanup_free_ Model *m = two_nodes(1, PLAN_NUMA_PREFERRED);
	_cleanup_plan_free_ Plan *p = NULL;

	start_on(m, 1);
	start_on(m, 1);
	converge(m);
	assert_int_equal(pf_of(m, 1), 0);
	model_stop_vm(m, 0);
	p = decide(m);
	assert_int_equal(plan_n_changes(p), 0);
	assert_true(p->vms[0].remote);
}

/* A policy out of range is an inconsistent input. */
static void test_bad_policy(void **state)
{
	_cleanup_free_ Model *m = two_nodes(7, PLAN_NUMA_PREFERRED);
	PlanInput in;
	Plan *p = NULL;
	PlanNuma n;

	start_on(m, 1);
	m->vms[0].numa = _PLAN_NUMA_MAX;
	in = model_input(m);
	assert_int_equal(plan_decide(&in, &p), -EINVAL);
	assert_int_equal(plan_numa_from_string("required", &n), 0);
	assert_int_equal(n, PLAN_NUMA_REQUIRED);
	assert_int_equal(plan_numa_from_string("Required", &n), -EINVAL);
	assert_string_equal(plan_numa_to_string(PLAN_NUMA_PREFERRED), "preferred");
	assert_null(plan_numa_to_string(PLAN_NUMA_DEFAULT));
}

/* [sriov] numa: preferred by default; a bad value names file, line and
 * what was expected. */
static void test_config(void **state)
{
	_cleanup_config_free_ Config *c = NULL, *d = NULL;
	char **errors = NULL;

	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n", "k.conf", &c, NULL), 0);
	assert_int_equal(c->numa, PLAN_NUMA_PREFERRED);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\nnuma = required\n", "k.conf", &d, NULL), 0);
	assert_int_equal(d->numa, PLAN_NUMA_REQUIRED);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\nnuma = strict\n", "k.conf", &c, &errors), -EINVAL);
	assert_non_null(errors);
	assert_string_equal(errors[0], "k.conf:3: numa: expected 'required', 'preferred' or 'legacy', got 'strict'");
	for (char **e = errors; *e; e++)
		free(*e);
	free(errors);
}

static DomainDef *parse(const char *xml)
{
	DomainDef *d = NULL;

	assert_int_equal(domain_xml_parse(xml, strlen(xml), &d, NULL), 0);
	return d;
}

/* A VM's node from its XML: numatune and vcpupins that agree on one
 * node; "any" (-1) when they span nodes, disagree, or say nothing. */
static void test_domain_node(void **state)
{
	CpuSet nodes[2];
	const char *head = "<domain><name>a</name>", *meta =
		"<metadata><k:domain xmlns:k='http://kvmnet.org/xmlns/domain/1.0' manage='yes' numa='required'/></metadata>";
	char xml[1024];
	DomainDef *d;
	char *err = NULL;

	cpuset_parse_list("0-1", &nodes[0]);
	cpuset_parse_list("2-3", &nodes[1]);
	snprintf(xml, sizeof(xml), "%s%s<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/>"
		 "</cputune><numatune><memory mode='strict' nodeset='1'/></numatune></domain>", head, meta);
	d = parse(xml);
	assert_true(d->has_numatune);
	assert_string_equal(d->kvmnet_numa, "required");
	assert_int_equal(domain_numa_node(d, nodes, 2), 1);
	domain_def_free(d);
	d = parse("<domain><name>a</name><numatune><memory nodeset='0'/></numatune>"
		  "<cputune><vcpupin vcpu='0' cpuset='2'/></cputune></domain>");
	assert_null(d->kvmnet_numa);
	assert_int_equal(domain_numa_node(d, nodes, 2), -1); /* disagree */
	domain_def_free(d);
	d = parse("<domain><name>a</name><cputune><vcpupin vcpu='0' cpuset='1'/></cputune></domain>");
	assert_int_equal(domain_numa_node(d, nodes, 2), 0);
	assert_int_equal(domain_numa_node(d, nodes, 0), -1); /* a CPU on no node */
	domain_def_free(d);
	d = parse("<domain><name>a</name><numatune><memory nodeset='0-1'/></numatune></domain>");
	assert_int_equal(domain_numa_node(d, nodes, 2), -1);
	domain_def_free(d);
	d = parse("<domain><name>a</name><numatune><memory placement='auto'/></numatune></domain>");
	assert_false(d->has_numatune);
	assert_int_equal(domain_numa_node(d, nodes, 2), -1);
	domain_def_free(d);
	assert_int_equal(domain_xml_parse("<domain><name>a</name>\n<numatune><memory nodeset='x'/></numatune></domain>", 74,
					  &d, &err),
			 -EINVAL);
	assert_string_equal(err, "line 2: <memory nodeset='x'>: expected a node set like 0-1,^0");
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preferred_local),
		cmocka_unit_test(test_preferred_full_goes_remote),
		cmocka_unit_test(test_required_waits),
		cmocka_unit_test(test_per_vm_override),
		cmocka_unit_test(test_legacy_and_unknown_nodes),
		cmocka_unit_test(test_remote_kept),
		cmocka_unit_test(test_bad_policy),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_domain_node),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
