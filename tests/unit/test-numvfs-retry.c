/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* When the NIC says no: core/numvfs-retry.h's rules (R1-R3), the plan's
 * K1 and K2, and kvmnetd's per-PF memory deciding with them
 * (daemon/pf-record.h). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "core/numvfs-retry.h"
#include "daemon/pf-record.h"
#include "plan-assert.h"

static void test_error_kinds(void **state)
{
	assert_int_equal(numvfs_error_kind(-EBUSY), NUMVFS_ERROR_TRANSIENT);
	assert_int_equal(numvfs_error_kind(-EAGAIN), NUMVFS_ERROR_TRANSIENT);
	assert_int_equal(numvfs_error_kind(-ENOSPC), NUMVFS_ERROR_TOO_MANY);
	assert_int_equal(numvfs_error_kind(-ENOMEM), NUMVFS_ERROR_TOO_MANY);
	assert_int_equal(numvfs_error_kind(-ERANGE), NUMVFS_ERROR_TOO_MANY);
	assert_int_equal(numvfs_error_kind(-EINVAL), NUMVFS_ERROR_TOO_MANY);
	assert_int_equal(numvfs_error_kind(-EIO), NUMVFS_ERROR_PERMANENT);
	assert_int_equal(numvfs_error_kind(-EPERM), NUMVFS_ERROR_PERMANENT);
	assert_string_equal(numvfs_next_to_string(NUMVFS_NEXT_GIVE_UP), "given-up");
	assert_null(numvfs_next_to_string(NUMVFS_NEXT_NONE));
}

/* R1: the same count after 1, 2, 4, 8 s; the fifth failure gives it up. */
static void test_transient_backoff(void **state)
{
	NumvfsRetry s = {};
	uint64_t t = 100 * SEC, waits[] = { 1 * SEC, 2 * SEC, 4 * SEC, 8 * SEC };

	assert_true(numvfs_retry_allows(&s, 2, t));
	assert_int_equal(numvfs_retry_wakeup(&s), 0);
	for (unsigned i = 0; i < ELEMENTSOF(waits); i++) {
		assert_int_equal(numvfs_retry_failed(&s, 2, 2, -EBUSY, t), NUMVFS_NEXT_RETRY);
		assert_int_equal(s.attempts, i + 1);
		assert_int_equal(s.retry_at_us, t + waits[i]);
		assert_int_equal(numvfs_retry_wakeup(&s), t + waits[i]);
		/* not before its time, but another count at once */
		assert_false(numvfs_retry_allows(&s, 2, t + waits[i] - 1));
		assert_true(numvfs_retry_allows(&s, 3, t));
		t += waits[i];
		assert_true(numvfs_retry_allows(&s, 2, t));
	}
	assert_int_equal(NUMVFS_RETRY_MAX, 5);
	assert_int_equal(numvfs_retry_failed(&s, 2, 2, -EAGAIN, t), NUMVFS_NEXT_GIVE_UP);
	assert_int_equal(s.attempts, 5);
	assert_int_equal(numvfs_retry_wakeup(&s), 0);
	assert_false(numvfs_retry_allows(&s, 2, t + 3600 * SEC));
	/* the VMs come to need another count: that one is tried */
	assert_true(numvfs_retry_allows(&s, 3, t));
	assert_int_equal(s.refused, 0);
}

/* A success forgets the failure; a new failure counts from 1 again. */
static void test_success_forgets(void **state)
{
	NumvfsRetry s = {};

	numvfs_retry_failed(&s, 2, 2, -EBUSY, 0);
	numvfs_retry_failed(&s, 2, 2, -EBUSY, SEC);
	numvfs_retry_succeeded(&s, 2);
	assert_int_equal(s.next, NUMVFS_NEXT_NONE);
	assert_true(numvfs_retry_allows(&s, 2, 0));
	assert_int_equal(numvfs_retry_wakeup(&s), 0);
	assert_int_equal(numvfs_retry_failed(&s, 2, 2, -EBUSY, 10 * SEC), NUMVFS_NEXT_RETRY);
	assert_int_equal(s.attempts, 1);
	/* another count failing starts its own count too */
	assert_int_equal(numvfs_retry_failed(&s, 3, 2, -EBUSY, 10 * SEC), NUMVFS_NEXT_RETRY);
	assert_int_equal(s.attempts, 1);
}

/* R2: ENOSPC above the need falls back; the count and more stay refused,
 * a success as high lifts it. */
static void test_too_many_falls_back(void **state)
{
	NumvfsRetry s = {};

	assert_int_equal(numvfs_retry_failed(&s, 64, 8, -ENOSPC, 0), NUMVFS_NEXT_FALLBACK);
	assert_int_equal(s.refused, 64);
	assert_int_equal(s.refused_error, -ENOSPC);
	assert_int_equal(s.need, 8);
	assert_int_equal(numvfs_retry_wakeup(&s), 0);
	assert_false(numvfs_retry_allows(&s, 64, 3600 * SEC));
	assert_false(numvfs_retry_allows(&s, 65, 0));
	assert_true(numvfs_retry_allows(&s, 63, 0));
	assert_true(numvfs_retry_allows(&s, 8, 0));
	/* the fallback works: the refusal stays, the failure goes */
	numvfs_retry_succeeded(&s, 8);
	assert_int_equal(s.next, NUMVFS_NEXT_NONE);
	assert_int_equal(s.refused, 64);
	/* a lower refusal replaces it, a higher one does not */
	numvfs_retry_failed(&s, 32, 8, -ENOMEM, 0);
	assert_int_equal(s.refused, 32);
	numvfs_retry_failed(&s, 40, 8, -ERANGE, 0);
	assert_int_equal(s.refused, 32);
	assert_int_equal(s.refused_error, -ENOMEM);
	numvfs_retry_succeeded(&s, 32);
	assert_int_equal(s.refused, 0);
	assert_int_equal(s.refused_error, 0);
}

/* R2 on what the VMs need, and R3: given up, no fallback. */
static void test_given_up(void **state)
{
	NumvfsRetry s = {};

	assert_int_equal(numvfs_retry_failed(&s, 8, 8, -ENOSPC, 0), NUMVFS_NEXT_GIVE_UP);
	assert_int_equal(s.refused, 0);
	assert_false(numvfs_retry_allows(&s, 8, UINT64_MAX));
	assert_true(numvfs_retry_allows(&s, 7, 0));

	s = (NumvfsRetry){};
	assert_int_equal(numvfs_retry_failed(&s, 64, 8, -EIO, 0), NUMVFS_NEXT_GIVE_UP);
	assert_int_equal(s.refused, 0);
	assert_false(numvfs_retry_allows(&s, 64, UINT64_MAX));
	assert_true(numvfs_retry_allows(&s, 8, 0));
	/* the fallback's own count refused: given up, the refusal kept */
	s = (NumvfsRetry){};
	numvfs_retry_failed(&s, 64, 8, -ENOSPC, 0);
	assert_int_equal(numvfs_retry_failed(&s, 8, 8, -ENOSPC, 0), NUMVFS_NEXT_GIVE_UP);
	assert_int_equal(s.refused, 64);
	assert_false(numvfs_retry_allows(&s, 8, 0));
	/* a need it cannot tell (UINT_MAX): no fallback */
	s = (NumvfsRetry){};
	assert_int_equal(numvfs_retry_failed(&s, 64, UINT_MAX, -ENOSPC, 0), NUMVFS_NEXT_GIVE_UP);
}

static Model *two_vms(unsigned n_pfs, unsigned totalvfs, unsigned headroom)
{
	Model *m = model_new(2, 1, 30 * SEC);

	m->params.headroom = headroom;
	for (unsigned p = 0; p < n_pfs; p++)
		model_add_pf(m, totalvfs, 0, false);
	model_start_vm(m, true);
	model_start_vm(m, true);
	return m;
}

/* K2: headroom max, the PF refused 7: the plan asks what the VMs need. */
static void test_plan_refused_drops_headroom(void **state)
{
	_cleanup_free_ Model *m = two_vms(1, 7, PLAN_HEADROOM_MAX);
	Plan *p = decide(m);

	assert_int_equal(p->pf_target[0], 7);
	plan_free(p);
	m->pfs[0].numvfs_refused = 7;
	p = decide(m);
	assert_int_equal(p->pf_target[0], 2);
	assert_int_equal(p->spare, 0);
	assert_actions(p, "numvfs:0=2 bind-vfio:0:0:-1 bind-vfio:0:1:-1 set-mac:0:0:0 attach:0:0:0 set-mac:0:1:1 "
			  "attach:0:1:1");
	plan_free(p);
	converge(m);
	assert_int_equal(m->pfs[0].numvfs, 2);

	/* refused below the need: as many as it takes, the rest wait */
	free(m);
	m = two_vms(1, 7, PLAN_HEADROOM_MAX);
	m->pfs[0].numvfs_refused = 2;
	p = decide(m);
	assert_int_equal(p->pf_target[0], 1);
	assert_actions(p, "numvfs:0=1 bind-vfio:0:0:-1 set-mac:0:0:0 attach:0:0:0 wait:numvfs-failed:0:1");
	assert_int_equal(p->vms[1].wait, PLAN_WAIT_NUMVFS_FAILED);
	assert_int_equal(p->vms[1].wait_pf, 0);
	plan_free(p);
}

/* K2 with two PFs: no headroom anywhere, the refused PF capped. */
static void test_plan_refused_two_pfs(void **state)
{
	_cleanup_free_ Model *m = two_vms(2, 7, PLAN_HEADROOM_MAX);
	Plan *p;

	model_start_vm(m, true);
	model_start_vm(m, true);
	model_start_vm(m, true);
	m->pfs[0].numvfs_refused = 2;
	p = decide(m);
	assert_int_equal(p->n1, 5);
	assert_int_equal(p->pf_target[0], 1);
	assert_int_equal(p->pf_target[1], 4);
	assert_int_equal(p->spare, 0);
	plan_free(p);
	converge(m);
}

/* K1: a held PF is not resized, while the split runs or ends. */
static void test_plan_hold(void **state)
{
	_cleanup_free_ Model *m = two_vms(1, 7, 0);
	Plan *p;
	_cleanup_free_ char *line = NULL;
	PlanInput in;

	m->pfs[0].numvfs_hold = true;
	p = decide(m);
	assert_actions(p, "wait:numvfs-failed:0:0 wait:numvfs-failed:0:1");
	assert_int_equal(p->pf_target[0], 0);
	in = model_input(m);
	assert_int_equal(plan_action_format(&in, p, &p->actions[0], &line), 0);
	assert_string_equal(line, "wait: VM vm1 stays on virtio: more VFs need a numvfs change of PF pf0, which the "
				  "kernel refused (kvmnetctl status says why)");
	plan_free(p);

	/* converged on 2, then the VMs stop: numvfs 0 is held too */
	m->pfs[0].numvfs_hold = false;
	converge(m);
	model_stop_vm(m, 1);
	model_stop_vm(m, 0);
	m->now_us += 60 * SEC;
	m->mode.below_since_us = 1;
	m->pfs[0].numvfs_hold = true;
	p = decide(m);
	assert_false(p->mode.active);
	assert_actions(p, "wait:numvfs-failed:0:-1");
	plan_free(p);
	m->pfs[0].numvfs_hold = false;
	p = decide(m);
	assert_actions(p, "numvfs:0=0");
	plan_free(p);
}

/* kvmnetd's side: a failed write remembered, the next decision without
 * it (K2 for the fallback, K1 while a retry waits or a count is given up). */
typedef struct World {
	Model *m;
	ObservedPf opf[1];
	char name[8];
	Observation o;
} World;

static void world_init(World *w, unsigned headroom)
{
	*w = (World){ .m = two_vms(1, 4, headroom) };
	snprintf(w->name, sizeof(w->name), "pf0");
	w->opf[0].name = w->name;
	w->o.in = model_input(w->m);
	w->o.pfs = w->opf;
	w->o.plan_pfs = w->m->pfs;
	w->o.n_pfs = 1;
}

static PlanAction set_numvfs(unsigned n)
{
	return (PlanAction){ .type = PLAN_SET_NUMVFS, .vm = -1, .pf = 0, .vf = -1, .numvfs = n };
}

static void test_records_fallback(void **state)
{
	World w;
	PfRecords r = {};
	PlanAction a = set_numvfs(4);
	ApplyOutcome failed = { .engine = true, .changed = true, .error = -ENOSPC, .duration_us = 5000 };
	Plan *p;

	world_init(&w, PLAN_HEADROOM_MAX);
	assert_int_equal(pf_records_decide(&r, &w.o, 0, &p), 0);
	assert_int_equal(p->pf_target[0], 4);
	plan_free(p);
	assert_int_equal(pf_records_action(&r, &w.o, &a, &failed, 0), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].retry.next, NUMVFS_NEXT_FALLBACK);
	/* the need was told by the plan without headroom */
	assert_int_equal(r.v[0].retry.need, 2);
	assert_false(r.v[0].numvfs_timed);
	assert_int_equal(pf_records_decide(&r, &w.o, 0, &p), 0);
	assert_int_equal(w.m->pfs[0].numvfs_refused, 4);
	assert_false(w.m->pfs[0].numvfs_hold);
	assert_int_equal(p->pf_target[0], 2);
	plan_free(p);
	/* 2 goes through, in 0.25 s: timed, the failure forgotten */
	a = set_numvfs(2);
	assert_int_equal(pf_records_action(&r, &w.o, &a,
					   &(ApplyOutcome){ .engine = true, .changed = true, .duration_us = 250000 }, SEC),
			 0);
	assert_int_equal(r.v[0].retry.next, NUMVFS_NEXT_NONE);
	assert_true(r.v[0].numvfs_timed);
	assert_int_equal(r.v[0].numvfs_us, 250000);
	assert_int_equal(r.v[0].numvfs_to, 2);
	assert_int_equal(pf_records_retry_ms(&r, SEC), -1);
	pf_records_free(&r);
	free(w.m);
}

static void test_records_hold(void **state)
{
	World w;
	PfRecords r = {};
	PlanAction a = set_numvfs(2), bind = { .type = PLAN_BIND_VFIO, .vm = -1, .pf = 0, .vf = 0 };
	Plan *p;

	world_init(&w, 0);
	assert_int_equal(pf_records_action(&r, &w.o, &a, &(ApplyOutcome){ .engine = true, .error = -EBUSY }, 10 * SEC),
			 0);
	assert_int_equal(pf_records_retry_ms(&r, 10 * SEC), 1000);
	assert_int_equal(pf_records_retry_ms(&r, 10 * SEC + 400000), 600);
	/* before its time: held, the VMs wait on it */
	assert_int_equal(pf_records_decide(&r, &w.o, 10 * SEC + 500000, &p), 0);
	assert_true(w.m->pfs[0].numvfs_hold);
	assert_actions(p, "wait:numvfs-failed:0:0 wait:numvfs-failed:0:1");
	plan_free(p);
	/* its time: written again */
	assert_int_equal(pf_records_decide(&r, &w.o, 11 * SEC, &p), 0);
	assert_false(w.m->pfs[0].numvfs_hold);
	assert_int_equal(p->actions[0].type, PLAN_SET_NUMVFS);
	plan_free(p);
	/* EIO: given up for good, no timer */
	assert_int_equal(pf_records_action(&r, &w.o, &a, &(ApplyOutcome){ .engine = true, .error = -EIO }, 11 * SEC), 0);
	assert_int_equal(r.v[0].retry.next, NUMVFS_NEXT_GIVE_UP);
	assert_int_equal(pf_records_retry_ms(&r, 11 * SEC), -1);
	assert_int_equal(pf_records_decide(&r, &w.o, 3600 * SEC, &p), 0);
	assert_true(w.m->pfs[0].numvfs_hold);
	assert_int_equal(plan_n_changes(p), 0);
	plan_free(p);
	/* binds: last and longest; one that did nothing or failed is not one */
	assert_int_equal(pf_records_action(&r, &w.o, &bind,
					   &(ApplyOutcome){ .engine = true, .changed = true, .duration_us = 300 }, 0), 0);
	assert_int_equal(pf_records_action(&r, &w.o, &bind,
					   &(ApplyOutcome){ .engine = true, .changed = true, .duration_us = 100 }, 0), 0);
	assert_int_equal(pf_records_action(&r, &w.o, &bind, &(ApplyOutcome){ .engine = true, .duration_us = 1 }, 0), 0);
	assert_int_equal(pf_records_action(&r, &w.o, &bind,
					   &(ApplyOutcome){ .engine = true, .changed = true, .error = -ETIMEDOUT,
							    .duration_us = 5000000 },
					   0),
			 0);
	assert_int_equal(r.v[0].binds, 2);
	assert_int_equal(r.v[0].bind_last_us, 100);
	assert_int_equal(r.v[0].bind_max_us, 300);
	pf_records_free(&r);
	free(w.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_kinds),
		cmocka_unit_test(test_transient_backoff),
		cmocka_unit_test(test_success_forgets),
		cmocka_unit_test(test_too_many_falls_back),
		cmocka_unit_test(test_given_up),
		cmocka_unit_test(test_plan_refused_drops_headroom),
		cmocka_unit_test(test_plan_refused_two_pfs),
		cmocka_unit_test(test_plan_hold),
		cmocka_unit_test(test_records_fallback),
		cmocka_unit_test(test_records_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
