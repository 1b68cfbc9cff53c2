/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Giving a VF back as kvmnetd found it (on_stop = revert), for VFs that
 * outlive the daemon's split: those of a PF someone else split, which
 * kvmnetd bound to vfio-pci and gave a MAC but never destroys.  Pure: the
 * caller reads the VF now and the journal's originals, and applies the
 * steps in order (MAC, unbind, driver_override, probe).
 */

#include <stdbool.h>
#include <stdint.h>

typedef struct VfRestoreInput {
	const char *orig_override; /* journal: driver_override found, NULL: none */
	bool has_orig_mac;	   /* journal: the MAC found is known */
	uint8_t orig_mac[6];
	const char *override; /* now; NULL: none */
	const char *driver;   /* now; NULL: no driver */
	bool has_mac;	      /* now: the PF reported the VF's MAC */
	uint8_t mac[6];
	bool held;	/* a running domain holds it */
	bool autoprobe; /* the PF's sriov_drivers_autoprobe now */
} VfRestoreInput;

typedef struct VfRestore {
	bool held;	     /* nothing may be done: a domain holds it */
	bool set_mac;	     /* write orig_mac on the PF */
	bool unbind;	     /* take it off vfio-pci, which kvmnetd bound it to */
	bool set_override;   /* write orig_override (NULL: clear it) */
	bool probe;	     /* let the kernel bind what it would have */
	bool done;	     /* nothing differs from the originals */
} VfRestore;

void vf_restore_decide(const VfRestoreInput *in, VfRestore *ret);
