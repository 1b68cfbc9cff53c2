/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "core/sriov-policy.h"
#include "host/rtnl-vf.h"
#include "host/sriov.h"

/*
 * The SR-IOV engine: the one way kvmnetctl and kvmnetd change a PF's VF
 * count and a VF's driver.  It re-reads the PF right before each change
 * and applies core/sriov-policy's refusal rules to what it reads: that
 * check is the engine's own, so that a change decided on an older
 * observation can never destroy a VF that a VM took in between.
 */

/*
 * What the engine did, line by line, for the caller to print or log (code
 * that touches the kernel does not log).  `failed` names the write that
 * failed and why; `undone` the steps rolled back after it.
 */
typedef struct SriovReport {
	char **done;
	char **undone;
	char *failed;
} SriovReport;

void sriov_report_done(SriovReport *r);

typedef struct SriovOptions {
	bool force;	     /* destroy VFs in use (the plan lists them) */
	Rtnl *rtnl;	     /* to bring the PF up; NULL leaves the link alone */
	unsigned timeout_ms; /* wait for the kernel to bind/unbind; 0 = 5000 */
} SriovOptions;

/*
 * Set sriov_numvfs to want: autoprobe off first (VFs are born driverless),
 * the PF up, through 0 when the count changes from nonzero to nonzero.
 * Nothing is written when the count already holds.  -EINVAL for a count
 * above totalvfs; -EBUSY when VFs that would be destroyed are in use and
 * opts->force is not set.  *ret_plan (may be NULL) is filled on success
 * and on -EBUSY, so the caller can name what blocks.  A failing write
 * rolls back the earlier ones (numvfs restored, autoprobe restored); the
 * report tells which.
 */
int sriov_set_numvfs(const char *pf_addr, int want, const SriovHolder *holders, size_t n_holders,
		     const SriovOptions *opts, SriovPlan *ret_plan, SriovReport *report);

/* The plan sriov_set_numvfs would follow, read-only: to show what a
 * forced change breaks before making it. */
int sriov_plan_change(const char *pf_addr, int want, const SriovHolder *holders, size_t n_holders, bool force,
		      SriovPlan *ret);

/* numvfs 0 and autoprobe back to the kernel's default 1, under the same
 * rules as sriov_set_numvfs(.., 0, ..). */
int sriov_reset(const char *pf_addr, const SriovHolder *holders, size_t n_holders, const SriovOptions *opts,
		SriovPlan *ret_plan, SriovReport *report);

/* sriov_drivers_autoprobe, written only when it differs: to give a PF
 * back as it was found. */
int sriov_set_autoprobe(const char *pf_addr, bool on, SriovReport *report);

typedef enum SriovBindTarget {
	SRIOV_BIND_VFIO, /* vfio-pci, for a VM */
	SRIOV_BIND_HOST, /* whatever host driver the kernel probes (igbvf...) */
	SRIOV_BIND_NONE, /* no driver */
	_SRIOV_BIND_MAX,
} SriovBindTarget;

const char *sriov_bind_target_to_string(SriovBindTarget t);
int sriov_bind_target_from_string(const char *s, SriovBindTarget *ret);

/*
 * Bind VF `index` of the PF via driver_override + drivers_probe, waiting
 * (bounded) for the kernel.  Nothing is written when the VF is already so.
 * -ENOENT: no such VF; -EBUSY: a running VM holds it (unless force);
 * -ENODEV: the vfio-pci driver is not loaded; -ETIMEDOUT: the kernel did
 * not finish in time.  On failure the override is restored and the VF put
 * back on its old driver where possible.
 */
int sriov_vf_bind(const char *pf_addr, int index, SriovBindTarget target, const SriovHolder *holders,
		  size_t n_holders, const SriovOptions *opts, SriovReport *report);

/* The host VF driver that goes with a PF driver ("igb" -> "igbvf"), NULL
 * when unknown. */
const char *sriov_vf_driver_for(const char *pf_driver);

/*
 * The address of VF index of the PF as the kernel shows it now: the
 * engine's own check before it acts on a VF that a plan names by index,
 * since a numvfs change earlier in the same plan may have made it after
 * the observation.  -ENOENT when there is no such VF.
 */
int sriov_vf_addr_now(const char *pf_addr, int index, char **ret);
