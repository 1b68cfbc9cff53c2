/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "daemon/daemon.h"
#include "daemon/observe.h"

/*
 * on_stop = revert, for the VFs that outlive the split: those of a PF
 * kvmnetd did not split (numvfs set by someone else), which it bound to
 * vfio-pci and gave a MAC.  Each unheld VF gets its original MAC, driver
 * and driver_override back (core/vf-restore.h decides); a PF whose VFs are
 * all back is forgotten by the journal.  Held VFs are left alone.  -EIO
 * if any VF could not be given back (logged, the journal keeps it).
 */
int daemon_revert_vfs(Daemon *d, const Observation *o);
