/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/plan.h"
#include "daemon/daemon.h"
#include "daemon/observe.h"

/* Publish the daemon's view served on the control socket: the mode, M1
 * and N1, each PF and each VM's path and what it waits for.  With no
 * observation (libvirt unreachable), libvirt_error says why. */
void daemon_set_status(Daemon *d, const Observation *o, const Plan *plan, const char *libvirt_error);
