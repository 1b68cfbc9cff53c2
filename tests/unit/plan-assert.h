/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cmocka helpers over plan-model.h for the decision core's tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plan-model.h"

#define SEC 1000000ULL

static inline Plan *decide(Model *m)
{
	PlanInput in = model_input(m);
	Plan *p = NULL;

	assert_int_equal(plan_decide(&in, &p), 0);
	assert_non_null(p);
	return p;
}

/* The plan's actions as "type:pf:vf:vm" words, for exact comparisons. */
static inline void assert_actions(const Plan *p, const char *want)
{
	char buf[8192] = "";
	size_t o = 0;

	for (size_t k = 0; k < p->n_actions && o < sizeof(buf) - 64; k++) {
		const PlanAction *a = &p->actions[k];

		if (a->type == PLAN_SET_NUMVFS)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%snumvfs:%d=%u", o ? " " : "", a->pf, a->numvfs);
		else if (a->type == PLAN_WAIT)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%swait:%s:%d:%d", o ? " " : "",
					      plan_wait_to_string(a->wait), a->pf, a->vm);
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s:%d:%d:%d", o ? " " : "",
					      plan_action_type_to_string(a->type), a->pf, a->vf, a->vm);
	}
	assert_string_equal(buf, want);
}

/* Decide, apply, decide again: the second plan must change nothing. */
static inline void converge(Model *m)
{
	Plan *p = decide(m), *again;

	assert_int_equal(model_apply(m, p), 0);
	plan_free(p);
	again = decide(m);
	assert_int_equal(plan_n_changes(again), 0);
	plan_free(again);
}
