/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "core/attach-batch.h"

static bool same_vf(const PlanAction *a, const PlanAction *b)
{
	return a->vm == b->vm && a->pf == b->pf && a->vf == b->vf;
}

/* A SET_VF_MAC whose ATTACH follows it: the MAC goes on the PF first. */
static bool mac_pair(const Plan *plan, size_t i)
{
	return i + 1 < plan->n_actions && plan->actions[i].type == PLAN_SET_VF_MAC &&
	       plan->actions[i + 1].type == PLAN_ATTACH && same_vf(&plan->actions[i], &plan->actions[i + 1]);
}

bool attach_batch_starts(const Plan *plan, size_t i)
{
	return i < plan->n_actions && (plan->actions[i].type == PLAN_ATTACH || mac_pair(plan, i));
}

int attach_batch_init(AttachBatch *b, const Plan *plan, size_t from, unsigned limit)
{
	AttachJob *jobs;
	size_t i = from, n = 0;

	if (!attach_batch_starts(plan, from))
		return -EINVAL;
	jobs = calloc(plan->n_actions - from, sizeof(*jobs));
	if (!jobs)
		return -ENOMEM;
	while (i < plan->n_actions) {
		const PlanAction *a = &plan->actions[i];

		if (a->type == PLAN_WAIT)
			i++;
		else if (a->type == PLAN_ATTACH) {
			jobs[n++] = (AttachJob){ .attach = i, .mac = ATTACH_NO_MAC, .vm = a->vm };
			i++;
		} else if (mac_pair(plan, i)) {
			jobs[n++] = (AttachJob){ .attach = i + 1, .mac = i, .vm = a->vm };
			i += 2;
		} else
			break;
	}
	*b = (AttachBatch){ .jobs = jobs, .n_jobs = n, .end = i, .limit = limit ? limit : 1 };
	return 0;
}

void attach_batch_free(AttachBatch *b)
{
	free(b->jobs);
	b->jobs = NULL;
	b->n_jobs = 0;
}

/* Whether an earlier job of the same VM is running or failed (which a
 * later one must wait for, or give up with). */
static AttachJobState before_of_vm(const AttachBatch *b, size_t job)
{
	for (size_t k = 0; k < job; k++)
		if (b->jobs[k].vm == b->jobs[job].vm &&
		    (b->jobs[k].state == ATTACH_JOB_RUNNING || b->jobs[k].state == ATTACH_JOB_FAILED ||
		     b->jobs[k].state == ATTACH_JOB_SKIPPED || b->jobs[k].state == ATTACH_JOB_PENDING))
			return b->jobs[k].state == ATTACH_JOB_SKIPPED ? ATTACH_JOB_FAILED : b->jobs[k].state;
	return ATTACH_JOB_DONE;
}

bool attach_batch_next(AttachBatch *b, size_t *ret_job)
{
	for (size_t j = 0; j < b->n_jobs; j++) {
		AttachJob *job = &b->jobs[j];

		if (job->state != ATTACH_JOB_PENDING)
			continue;
		switch (before_of_vm(b, j)) {
		case ATTACH_JOB_FAILED:
			job->state = ATTACH_JOB_SKIPPED;
			b->skipped++;
			continue;
		case ATTACH_JOB_DONE:
			break;
		default: /* its VM is busy with an earlier one */
			continue;
		}
		if (b->running >= b->limit)
			return false;
		job->state = ATTACH_JOB_RUNNING;
		b->running++;
		if (b->running > b->peak)
			b->peak = b->running;
		*ret_job = j;
		return true;
	}
	return false;
}

void attach_batch_fail(AttachBatch *b, size_t job)
{
	if (job >= b->n_jobs || b->jobs[job].state != ATTACH_JOB_PENDING)
		return;
	b->jobs[job].state = ATTACH_JOB_FAILED;
	b->failed++;
}

void attach_batch_finish(AttachBatch *b, size_t job, bool ok)
{
	if (job >= b->n_jobs || b->jobs[job].state != ATTACH_JOB_RUNNING)
		return;
	b->jobs[job].state = ok ? ATTACH_JOB_DONE : ATTACH_JOB_FAILED;
	b->running--;
	b->failed += !ok;
}

bool attach_batch_finished(const AttachBatch *b)
{
	for (size_t j = 0; j < b->n_jobs; j++)
		if (b->jobs[j].state == ATTACH_JOB_PENDING || b->jobs[j].state == ATTACH_JOB_RUNNING)
			return false;
	return true;
}
