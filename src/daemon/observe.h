/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <libvirt/libvirt.h>

#include "basic/cpuset.h"
#include "core/plan.h"
#include "core/sriov-policy.h"
#include "daemon/config.h"
#include "daemon/journal.h"

/*
 * One observation of the world for the decision core: the configured PFs
 * and their VFs from sysfs, the running domains from libvirt, and from the
 * journal which VFs and which numvfs changes are the daemon's own.  The
 * kernel and libvirt are the truth; the journal only says whose.  What
 * cannot be read this turn is not left out but listed as unknown, with
 * its cause, for the core's unknowns rules (core/plan.h U1-U4).  A VM
 * holds what is unknown (U1) when the journal gave it a VF of a PF that
 * cannot be read, or when it holds a PCI function that is none of the
 * listed VFs while some VFs cannot be listed: it may be one of them,
 * given by hand.
 */
typedef struct ObservedPf {
	char *addr;   /* canonical PCI address; NULL if it could not be found */
	char *ifname; /* its netdev, NULL when none */
	char *name;   /* as configured, for messages */
	int autoprobe;
	PlanVf *vfs;
	char **vf_addrs; /* by position in vfs; NULL where unknown */
	/* Why the PF (PlanPf.unknown) or a VF (PLAN_DRIVER_UNKNOWN,
	 * PLAN_VF_UNKNOWN; by position in vfs) is unknown this turn: a
	 * sentence, NULL when known. */
	char *unknown;
	char **vf_unknowns;
} ObservedPf;

typedef struct Observation {
	PlanInput in; /* points into the arrays below */
	PlanVm *vms;
	char **vm_names, **vm_uuids; /* owned, by VM index */
	/* By VM index: the alias and MAC of the virtio NIC that is the
	 * persistent member of a failover pair (kvmnetctl vm team) with no
	 * transient member yet, or NULL.  The VM's first VF joins that pair. */
	char **vm_team_aliases, **vm_team_macs;
	/* By VM index: why its state is unknown (PlanVm.unknown), or NULL. */
	char **vm_unknowns;
	/* By VM index: what libvirt says of its migration (PlanVm.migrating),
	 * a static phrase ("outgoing migration job"), or NULL. */
	const char **vm_migrations;
	/* By VM index: its live XML pairs a VF with its virtio NIC as the
	 * transient member of a failover pair (the pair's primary). */
	bool *vm_teamed;
	ObservedPf *pfs;
	PlanPf *plan_pfs;
	size_t n_pfs;
	SriovHolder *holders; /* every PCI function a running domain holds */
	/* By holder index: the MAC and the alias of the <interface> that
	 * holds it in the live XML, NULL for a <hostdev> or an interface
	 * without one.  A detach names the interface by them: libvirt
	 * matches on the MAC, and the alias tells a failover pair's
	 * transient member from its persistent one, which has the same MAC. */
	char **holder_macs, **holder_aliases;
	/* By holder index: that <interface> is a failover pair's transient
	 * member (<teaming type='transient' persistent='...'/>). */
	bool *holder_teamed;
	size_t n_holders;
	/* Every CPU some <vcpupin> of a running domain allows (kvmnetd keeps
	 * its own threads off them); partial when some domain's XML could
	 * not be read. */
	CpuSet vcpu_pinned;
	bool vcpu_pinned_partial;
} Observation;

/* Fails only when the domains cannot be listed (ret_error: libvirt's
 * message): then nothing at all is known. */
int observe(const Config *c, const Journal *j, virConnectPtr conn, Observation **ret, char **ret_error);
void observation_free(Observation *o);

/* The observed VF (and its PF) with that PF index and VF index, or NULL. */
const char *observation_vf_addr(const Observation *o, int pf, int vf);
/* The MAC and alias of the interface holding the PCI function at addr
 * (each NULL when unknown or none). */
void observation_holder_iface(const Observation *o, const char *addr, const char **ret_mac,
			      const char **ret_alias);
/* Every unknown of the observation in pairs, what ("VM web1", "PF
 * enp3s0f0", "VF 2 of PF enp3s0f0") then why: a NULL-terminated list. */
int observation_unknowns(const Observation *o, char ***ret);
