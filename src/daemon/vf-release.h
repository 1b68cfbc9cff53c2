/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "basic/pci-addr.h"
#include "daemon/observe.h"

/*
 * A VF kvmnetd gave a VM and got back (detached, the VM stopped, or it
 * migrated away) keeps the MAC kvmnetd set for that VM, and the PF's
 * embedded switch goes on delivering that MAC's frames to it: frames the
 * host or the PF's other users send to the VM, now on its virtio NIC here
 * or on another host, end in the idle VF.  Seen in the lab
 * (tests/lab/t-migrate.sh): after a migration the source host's bridge
 * reached the guest through its PF, and every frame went to its old VF.
 * So the VF's MAC is cleared (00:00:00:00:00:00: the PF driver drops the
 * filter) when the journal forgets the attachment, if the observation shows
 * the VF free and known; a VF given again gets its new MAC first anyway.
 */
/* Not in a dry run: the journal forgets nothing then. */
void vf_release_clear_mac(const Observation *o, const PciAddr *pf, unsigned vf);
