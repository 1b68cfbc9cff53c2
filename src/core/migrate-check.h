/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/domain-xml.h"

/*
 * What `kvmnetctl vm migrate` must do with what a running domain holds
 * before libvirt can live-migrate it.  Pure: the domain's live XML comes
 * in.
 *
 *   M1  Its VFs (<interface type='hostdev'>, teamed or not) go back to
 *       kvmnetd first: libvirt refuses to migrate an assigned PCI device,
 *       and a transient failover member it would take along names this
 *       host's VF, which on the destination is another device or none
 *       (model/carried-vfs.h).  The domain is opted out in its live
 *       metadata, kvmnetd detaches its VFs (a teamed guest carries on over
 *       its virtio member, an unteamed one loses the VF's addresses), the
 *       migration runs, and the destination's copy gets the metadata it
 *       had, so kvmnetd there gives VFs of its own.  A failed migration
 *       gets it back here, and kvmnetd gives its VFs back.
 *   M2  A PCI <hostdev> blocks: kvmnet never gives one, so it is not
 *       kvmnet's to take back; it is detached by hand.
 *   M3  A VF that is its only NIC blocks: without it the guest has no
 *       network until the destination's kvmnetd gives one.
 * A refusal changes nothing and says what to do.
 */

typedef struct MigrateCheck {
	size_t n_teamed;    /* M1: VFs that are transient failover members */
	size_t n_unteamed;  /* M1: VFs without teaming */
	char *vfs;	    /* M1's VFs, "0000:01:10.2 (MAC 52:54:00:12:34:56), ..." */
	size_t n_foreign;   /* M2 */
	char *foreign;	    /* M2's devices, "0000:5e:00.1, ..." */
	bool other_nic;	    /* an interface that is not a VF (M3) */
	bool virtio_nic;    /* an unteamed virtio NIC that `vm team` could pair */
} MigrateCheck;

int migrate_check(const DomainDef *d, MigrateCheck *ret);
void migrate_check_done(MigrateCheck *c);
/* Whether M2 or M3 refuses it. */
bool migrate_refused(const MigrateCheck *c);
/* The refusal: several lines, no trailing newline. */
int migrate_refusal(const DomainDef *d, const MigrateCheck *c, char **ret);
