/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/log-event.h"
#include "daemon/log-ids.h"

typedef struct ActionFields {
	LogField f[6];
	char vf[16];
} ActionFields;

/* The fields an action names; those it does not are left out (NULL). */
static void action_fields(const Observation *o, const PlanAction *a, ActionFields *ret)
{
	const char *pf = a->pf >= 0 && (size_t)a->pf < o->n_pfs ? o->pfs[a->pf].name : NULL;

	if (a->vf >= 0)
		snprintf(ret->vf, sizeof(ret->vf), "%d", a->vf);
	ret->f[0] = (LogField){ "KVMNET_DOMAIN", a->vm >= 0 && (size_t)a->vm < o->in.n_vms ? o->vm_names[a->vm] : NULL };
	ret->f[1] = (LogField){ "KVMNET_PF", pf };
	ret->f[2] = (LogField){ "KVMNET_VF", a->vf >= 0 ? ret->vf : NULL };
	ret->f[3] = (LogField){ "KVMNET_VF_ADDRESS", observation_vf_addr(o, a->pf, a->vf) };
	ret->f[4] = (LogField){ "KVMNET_ACTION", plan_action_type_to_string(a->type) };
	ret->f[5] = (LogField){ "KVMNET_WAIT", a->type == PLAN_WAIT ? plan_wait_to_string(a->wait) : NULL };
}

void log_action_done(const Observation *o, const PlanAction *a, const char *line)
{
	ActionFields af = {};
	const char *id = a->type == PLAN_ATTACH ? LOG_ID_VF_ATTACHED : a->type == PLAN_DETACH ? LOG_ID_VF_DETACHED : NULL;

	action_fields(o, a, &af);
	log_struct(LOG_LEVEL_INFO, id, af.f, "%s", line);
}

int log_action_failed(const Observation *o, const PlanAction *a, int r, const char *line, const char *error)
{
	ActionFields af = {};

	action_fields(o, a, &af);
	return log_struct_errno(LOG_LEVEL_ERR, r, LOG_ID_ACTION_FAILED, af.f, "Failed to %s: %s", line,
				error ? error : strerror(abs(r)));
}

void log_action_wait(const Observation *o, const PlanAction *a, const char *line)
{
	ActionFields af = {};

	action_fields(o, a, &af);
	log_struct(LOG_LEVEL_INFO, LOG_ID_VM_WAITING, af.f, "%s", line);
}

void log_split_change(bool active, const char *summary)
{
	LogField f[] = { { "KVMNET_SPLIT", active ? "active" : "inactive" } };

	log_struct(LOG_LEVEL_NOTICE, active ? LOG_ID_SPLIT_STARTED : LOG_ID_SPLIT_ENDED, f, "%s: %s",
		   active ? "Split started" : "Split ended", summary);
}

void log_irq_moved(const IrqMove *m, const char *line)
{
	char irq[16], from[16], to[16];
	LogField f[] = { { "KVMNET_IRQ", irq },
			 { "KVMNET_CPU", to },
			 { "KVMNET_FROM_CPU", m->from >= 0 ? from : NULL },
			 { "KVMNET_IRQ_REASON", irq_move_reason_to_string(m->reason) } };

	snprintf(irq, sizeof(irq), "%u", m->irq);
	snprintf(from, sizeof(from), "%d", m->from);
	snprintf(to, sizeof(to), "%d", m->to);
	log_struct(LOG_LEVEL_INFO, LOG_ID_IRQ_MOVED, f, "Move %s", line);
}
