/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * The refusal rules of the SR-IOV engine, pure: the observed PF and its
 * VFs in, what a change would do and what it would break out.
 *
 * The kernel cannot change a PF from one nonzero VF count to another
 * (EBUSY): it goes through 0, which destroys every VF, also those a
 * running VM holds.  So any change that destroys VFs is refused while a
 * VF is held by a running VM or bound to a host driver other than
 * vfio-pci (a host VF driver means a netdev the host may be using).
 */

/* A VF a running VM holds, as the libvirt side reports it. */
typedef struct SriovHolder {
	const char *pci_addr; /* canonical "0000:03:10.0" */
	const char *domain;   /* libvirt domain name */
} SriovHolder;

/* One VF as observed. */
typedef struct SriovVfView {
	int index;
	const char *pci_addr; /* NULL when the virtfn link is missing */
	const char *driver;   /* bound driver, NULL when none */
} SriovVfView;

typedef struct SriovPfView {
	int totalvfs; /* -1 unknown */
	int numvfs;   /* -1 unknown */
	const SriovVfView *vfs;
	size_t n_vfs;
} SriovPfView;

typedef enum SriovBlockReason {
	SRIOV_BLOCK_VM,	    /* held by a running VM */
	SRIOV_BLOCK_DRIVER, /* bound to a host driver */
} SriovBlockReason;

typedef struct SriovBlocker {
	int vf_index;
	char *pci_addr; /* copies, freed by sriov_plan_done() */
	SriovBlockReason reason;
	char *holder; /* domain or driver name */
} SriovBlocker;

typedef enum SriovPlanKind {
	SRIOV_PLAN_NOTHING,  /* the count already holds */
	SRIOV_PLAN_CREATE,   /* 0 -> N */
	SRIOV_PLAN_DESTROY,  /* N -> 0 */
	SRIOV_PLAN_RECREATE, /* N -> 0 -> M */
} SriovPlanKind;

typedef struct SriovPlan {
	SriovPlanKind kind;
	int from, to;
	bool refused; /* blockers exist and force was not given */
	SriovBlocker *blockers; /* what the change destroys that is in use */
	size_t n_blockers;
} SriovPlan;

void sriov_plan_done(SriovPlan *p);

/* -EINVAL for a count below 0 or above totalvfs, -ENODATA when numvfs is
 * unknown; else 0 with *ret filled (refused set when blocked). */
int sriov_plan_numvfs(const SriovPfView *pf, const SriovHolder *holders, size_t n_holders, int want, bool force,
		      SriovPlan *ret);

/* Whether one VF may be rebound: -EBUSY with *ret_holder naming the
 * running VM that holds it, else 0. */
int sriov_check_rebind(const char *vf_addr, const SriovHolder *holders, size_t n_holders, const char **ret_holder);

/* Whether a driver keeps a VF free for the engine to destroy: none or
 * vfio-pci. */
bool sriov_driver_is_free(const char *driver);

const char *sriov_plan_kind_to_string(SriovPlanKind k);
