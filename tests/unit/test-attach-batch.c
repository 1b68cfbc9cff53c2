/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attach_batch_*(): which attaches run side by side, how many at once,
 * and what a failure stops. */
#include <errno.h>

#include "basic/macro.h"
#include "core/attach-batch.h"
#include "plan-assert.h"

#define A(t, vm_, pf_, vf_) { .type = PLAN_##t, .vm = vm_, .pf = pf_, .vf = vf_ }

static Plan plan_of(PlanAction *a, size_t n)
{
	return (Plan){ .actions = a, .n_actions = n };
}

/* The threshold crossed by 12 VMs at once on two PFs of 7 VFs: one
 * batch of 12 jobs after the numvfs changes and binds, the spares'
 * binds after it; at most `limit` at once, in the plan's order. */
static void test_mass_start(void **state)
{
	Model *m = model_new(4, 1, 0);
	AttachBatch b;
	size_t first = SIZE_MAX, j, started = 0;
	Plan *p;

	model_add_pf(m, 7, 0, false);
	model_add_pf(m, 7, 0, false);
	for (int i = 0; i < 12; i++)
		model_start_vm(m, true);
	p = decide(m);
	for (size_t i = 0; i < p->n_actions && first == SIZE_MAX; i++)
		if (attach_batch_starts(p, i))
			first = i;
	assert_true(first != SIZE_MAX);
	for (size_t i = 0; i < first; i++)
		assert_true(p->actions[i].type == PLAN_SET_NUMVFS || p->actions[i].type == PLAN_BIND_VFIO);
	assert_int_equal(attach_batch_init(&b, p, first, 4), 0);
	assert_int_equal(b.n_jobs, 12);
	for (size_t i = b.end; i < p->n_actions; i++)
		assert_int_equal(p->actions[i].type, PLAN_BIND_VFIO);
	for (size_t k = 0; k < b.n_jobs; k++) {
		assert_int_equal(p->actions[b.jobs[k].attach].type, PLAN_ATTACH);
		assert_int_equal(p->actions[b.jobs[k].mac].type, PLAN_SET_VF_MAC);
		assert_int_equal(b.jobs[k].vm, p->actions[b.jobs[k].attach].vm);
	}
	/* Four start, the fifth waits for a slot. */
	for (size_t k = 0; k < 4; k++) {
		assert_true(attach_batch_next(&b, &j));
		assert_int_equal(j, k);
	}
	assert_false(attach_batch_next(&b, &j));
	assert_int_equal(b.running, 4);
	started = 4;
	/* Ending out of order frees a slot for the next in plan order. */
	attach_batch_finish(&b, 2, true);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 4);
	started++;
	while (!attach_batch_finished(&b)) {
		for (size_t k = 0; k < b.n_jobs; k++)
			if (b.jobs[k].state == ATTACH_JOB_RUNNING) {
				attach_batch_finish(&b, k, true);
				break;
			}
		while (attach_batch_next(&b, &j))
			started++;
		assert_true(b.running <= 4);
	}
	assert_int_equal(started, 12);
	assert_int_equal(b.peak, 4);
	assert_int_equal(b.failed, 0);
	attach_batch_free(&b);
	plan_free(p);
	free(m);
}

/* One VM's failure stops only that VM's later attach; limit 1 is one by
 * one; a VM's second VF waits for its first. */
static void test_failure_alone(void **state)
{
	PlanAction a[] = {
		A(SET_VF_MAC, 0, 0, 0), A(ATTACH, 0, 0, 0), A(SET_VF_MAC, 0, 0, 1), A(ATTACH, 0, 0, 1),
		A(SET_VF_MAC, 1, 0, 2), A(ATTACH, 1, 0, 2), A(WAIT, 2, -1, -1),	A(ATTACH, 3, 1, 0),
		A(BIND_VFIO, -1, 1, 1),
	};
	Plan p = plan_of(a, ELEMENTSOF(a));
	AttachBatch b;
	size_t j;

	assert_int_equal(attach_batch_init(&b, &p, 0, 0), 0);
	assert_int_equal(b.limit, 1);
	assert_int_equal(b.end, 8);
	assert_int_equal(b.n_jobs, 4);
	assert_int_equal(b.jobs[3].mac, ATTACH_NO_MAC);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 0);
	assert_false(attach_batch_next(&b, &j));
	attach_batch_finish(&b, 0, false);
	/* VM 0's second VF is skipped; VM 1 goes on. */
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 2);
	assert_int_equal(b.jobs[1].state, ATTACH_JOB_SKIPPED);
	attach_batch_finish(&b, 2, true);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 3);
	attach_batch_finish(&b, 3, true);
	assert_false(attach_batch_next(&b, &j));
	assert_true(attach_batch_finished(&b));
	assert_int_equal(b.failed, 1);
	assert_int_equal(b.skipped, 1);
	attach_batch_free(&b);

	/* VM 0's first MAC refused before anything started: its second VF
	 * is skipped, the others run. */
	assert_int_equal(attach_batch_init(&b, &p, 0, 4), 0);
	attach_batch_fail(&b, 0);
	attach_batch_fail(&b, 0); /* once */
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 2);
	assert_int_equal(b.jobs[1].state, ATTACH_JOB_SKIPPED);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 3);
	assert_false(attach_batch_next(&b, &j));
	attach_batch_finish(&b, 2, true);
	attach_batch_finish(&b, 3, true);
	assert_true(attach_batch_finished(&b));
	assert_int_equal(b.failed, 1);
	attach_batch_free(&b);

	/* Limit 4: VM 0's second VF waits for its first, VM 1 and 3 start. */
	assert_int_equal(attach_batch_init(&b, &p, 0, 4), 0);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 0);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 2);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 3);
	assert_false(attach_batch_next(&b, &j));
	attach_batch_finish(&b, 0, true);
	assert_true(attach_batch_next(&b, &j));
	assert_int_equal(j, 1);
	assert_int_equal(b.peak, 3);
	attach_batch_free(&b);
}

/* Where a batch starts and ends: not at a MAC without its attach, nor
 * at any other action. */
static void test_bounds(void **state)
{
	PlanAction a[] = {
		A(BIND_VFIO, -1, 0, 0), A(SET_VF_MAC, 0, 0, 0), A(ATTACH, 1, 0, 1), A(SET_VF_MAC, 2, 0, 2),
		A(SET_VF_MAC, 3, 0, 3), A(ATTACH, 3, 0, 3),
	};
	Plan p = plan_of(a, ELEMENTSOF(a));
	AttachBatch b;

	assert_false(attach_batch_starts(&p, 0));
	assert_false(attach_batch_starts(&p, 1)); /* its attach is another VF's */
	assert_true(attach_batch_starts(&p, 2));
	assert_false(attach_batch_starts(&p, 3));
	assert_true(attach_batch_starts(&p, 4));
	assert_false(attach_batch_starts(&p, 6));
	assert_int_equal(attach_batch_init(&b, &p, 1, 4), -EINVAL);
	assert_int_equal(attach_batch_init(&b, &p, 2, 4), 0);
	assert_int_equal(b.n_jobs, 1);
	assert_int_equal(b.end, 3);
	attach_batch_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mass_start),
		cmocka_unit_test(test_failure_alone),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
