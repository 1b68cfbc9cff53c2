/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "core/irq-placement.h"
#include "core/plan.h"
#include "daemon/observe.h"

/*
 * The journal entries of kvmnetd's events (daemon/log-ids.h): the same
 * lines as ever, with a MESSAGE_ID and the fields that say which domain,
 * PF and VF, so that `journalctl KVMNET_DOMAIN=web1` finds them.
 * Outside the journal they are the plain lines.
 */

/* An action carried out; line is plan_action_format()'s. */
void log_action_done(const Observation *o, const PlanAction *a, const char *line);
/* An action refused; returns -abs(r) like log_error_errno(). */
int log_action_failed(const Observation *o, const PlanAction *a, int r, const char *line, const char *error);
/* A PLAN_WAIT of the plan, with its reason. */
void log_action_wait(const Observation *o, const PlanAction *a, const char *line);
/* The split started (active) or ended; summary is plan_summary_format()'s. */
void log_split_change(bool active, const char *summary);
/* An interrupt vector moved ([irq]); line is irq_move_format()'s. */
void log_irq_moved(const IrqMove *m, const char *line);
