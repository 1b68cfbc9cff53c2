/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/plan.h"
#include "daemon/daemon.h"
#include "daemon/observe.h"

/* Publish the daemon's view served on the control socket: the mode, M1
 * and N1, each PF and each VM's path and what it waits for, and what is
 * unknown this turn with its cause.  With no observation (libvirt
 * unreachable), libvirt_error says why. */
void daemon_set_status(Daemon *d, const Observation *o, const Plan *plan, const char *libvirt_error);
/* Connected, but the domains could not be listed: mode "unknown" and the
 * unknowns, (what, cause) pairs. */
void daemon_set_unknown_status(Daemon *d, char **unknowns);
