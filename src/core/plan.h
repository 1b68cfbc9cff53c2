/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The decision core of kvmnetd: the observed state of the PFs and of the
 * running VMs goes in, the desired state and an ordered list of actions come
 * out.  Pure: no file, no clock, no libvirt; the daemon fills PlanInput from
 * the host (src/host) and libvirt (src/virt) layers and the journal, runs
 * plan_decide() after every event, applies the actions in order and observes
 * again.
 *
 * Rules it keeps:
 * - M1 = running managed VMs that did not opt out.  At M1 >= threshold the
 *   split is active and wants N1 = vfs_per_vm * M1 VFs, capped by the sum
 *   of sriov_totalvfs, spread over the PFs (a VM that holds a VF given by
 *   hand counts in M1 but not in N1).  Below the threshold for
 *   min_dwell, it detaches its VFs and sets numvfs 0 on the PFs it split.
 * - PFs are resized only when the VFs that exist cannot serve N1, and then
 *   for N1 + headroom VFs (capped the same way; PLAN_HEADROOM_MAX: every
 *   resized PF to its sriov_totalvfs), so that VMs that start later take
 *   a spare VF without numvfs changing.  Nothing shrinks while the split
 *   is active: spares cost no VM anything, and removing them would mean
 *   numvfs through 0.
 * - numvfs never goes from one nonzero value to another directly (the
 *   kernel says EBUSY): through 0, and only when no VF of that PF is held
 *   by a domain or bound to a driver other than vfio-pci, since going
 *   through 0 destroys every VF.  A PF whose numvfs someone else set is
 *   never resized; its free VFs are used.
 * - VFs held by hand (a domain the daemon did not give them to) or bound
 *   to another driver are never taken; a VM holding a VF by hand gets none.
 * - A VM never loses its only NIC: a VF is detached only from a VM that
 *   has another NIC (or keeps another of the daemon's VFs).
 * - VMs keep the VFs they hold; new ones go to VMs in input order (the
 *   caller lists them in the order they should be served, e.g. start time),
 *   each to the PF with the most free VFs, lowest VF index first.
 * - Each VM's MAC is derived from its UUID (plan_vm_mac()), except the
 *   first VF of a VM that has a failover pair waiting for one (team_mac):
 *   that VF takes the persistent member's MAC, so that it joins the pair
 *   and can come and go without the guest losing its network.
 *
 * VF policy (core/vf-policy.h; the VM's metadata, model/vf-policy.h):
 * - P1: the SET_VF_MAC and the ATTACH of a VF given carry the VM's policy
 *   (vf_policy_given()); a VM whose policy the NIC refused
 *   (vf_policy_refused: until the policy changes, or its retry is due,
 *   vf_policy_retry_delay_us()) is given none and waits
 *   (PLAN_WAIT_VF_POLICY), keeping what it holds.  A policy that
 *   does not parse makes the VM unknown (U1).
 * - P2 (vf_policy_reapplies(), outside plan_decide): a held VF whose live
 *   attributes differ from its VM's policy has the policy sent again.
 *
 * Unknowns.  What the daemon could not read in a turn (a libvirt error or
 * timeout, XML or metadata that does not parse, a UUID or PCI address that
 * does not parse, a sysfs file it cannot read) comes in as unknown, and no
 * destructive step (DETACH, SET_NUMVFS, BIND_VFIO, a MAC on a VF someone
 * holds, the end of the split) is ever taken on the strength of one:
 * - U1: a VM whose state is unknown (PlanVm.unknown) keeps every VF it
 *   holds, even when the split ends, and is given none; it waits
 *   (PLAN_WAIT_UNKNOWN naming it).
 * - U2: M1 counts only VMs known to be managed, so the split starts on
 *   known VMs alone; the dwell that ends it runs only while M1 plus the
 *   unknown VMs is below the threshold, so it never ends because a VM
 *   could not be read (PLAN_WAIT_UNKNOWN with no VM or PF while it holds).
 * - U3: a VF whose driver or use is unknown (PLAN_DRIVER_UNKNOWN,
 *   PLAN_VF_UNKNOWN) is left as it is: never detached, bound, given or
 *   its MAC set; it counts as one the VM named by PlanVf.vm keeps, and its
 *   PF is never resized or zeroed.
 * - U4: a PF whose state is unknown (PlanPf.unknown; its VFs are not
 *   listed) is never resized or zeroed and none of its VFs is given; it
 *   waits (PLAN_WAIT_UNKNOWN naming it).
 *
 * NUMA (core/plan-numa.h): a VM's node (PlanVm.has_node: from its
 * <numatune> and <vcpupin>) and each PF's (PlanPf.has_node: sysfs
 * numa_node) are inputs; the policy is the VM's own (PlanVm.numa, from its
 * kvmnet metadata) or else PlanParams.numa.
 * - N1: preferred: a new VF comes from a PF on the VM's node, the one with
 *   the most VFs left to give; only when none has one, from another PF as
 *   above, and the VM's status says remote (PlanVmStatus.remote).
 * - N2: required: only from a PF on the VM's node; when none has a VF
 *   left, the VM waits on its own NIC (PLAN_WAIT_NUMA).
 * - N3: legacy, a VM whose node is not known, or a host whose PFs' nodes
 *   are not known: NUMA plays no part (the rule of the lines above).
 * - N4: a VM keeps the VFs it holds, local or not: moving one costs the
 *   guest a hot-unplug, and is never done for locality.
 * Draining a PF to grow it ([sriov] resize = drain; core/plan-drain.c):
 * - D1: when the split wants more VFs than the PFs that may be resized can
 *   have (VMs would wait pf-busy), a PF that is locked only by VFs the
 *   daemon gave as the transient member of a failover pair (PlanVf.teamed)
 *   is drained: this plan detaches those VFs (each guest falls back to its
 *   virtio standby) and gives none of its VFs; once libvirt shows them
 *   released, the ordinary rules resize it through 0 and give the VFs back
 *   (the pair's MAC again: the pair waits for a member).  One PF at a time.
 * - D2: never a PF with a VF that is unknown (U3), bound to a host driver,
 *   held by a domain the daemon did not give it to, or held by a VM that
 *   is not teamed, unknown (U1) or migrating (G1); never while any VM is
 *   unknown (it may hold a VF of the PF); never a PF that is unknown (U4),
 *   whose numvfs is someone else's, or that may not grow (K1, K2).
 *   Refused: Plan.pf_drain says why, naming the VF and the VM.
 * - D3: every step is an ordinary action of its own turn (DETACH, then
 *   SET_NUMVFS through 0, BIND_VFIO, ATTACH), journaled ahead as they are:
 *   after a kill the next observation shows where it stopped and the
 *   rules carry on from there or, when no longer short, give back.
 *
 * When the NIC says no (the daemon keeps what the kernel refused per PF,
 * core/numvfs-retry.h decides what comes next):
 * - K1: a PF with numvfs_hold is not resized this turn (a failed write
 *   waits for its retry, or was given up); VMs short of a VF wait
 *   (PLAN_WAIT_NUMVFS_FAILED naming it).
 * - K2: a PF with numvfs_refused is never resized to that many VFs or
 *   more, and while any PF has one the headroom is dropped: the resize
 *   asks what the VMs need, no more (the fallback).
 *
 * Live migration.  A VM that libvirt is migrating, in or out
 * (PlanVm.migrating: a migration job, or a state reason that says so),
 * is the migration's, not kvmnetd's:
 * - G1: it is given nothing (no ATTACH, no SET_VF_MAC for it) and keeps
 *   every VF it holds (no DETACH: QEMU unplugs a failover pair's VF
 *   itself, and the domain's job would refuse or race a detach); it waits
 *   (PLAN_WAIT_MIGRATING naming it).  U1 comes first: a migrating VM whose
 *   state is otherwise unknown waits as unknown.
 * - G2: it counts in M1 and N1 like any managed VM: on the source it
 *   holds its VFs until it leaves, and on the destination the split
 *   starts, and the spare is made, before it runs there.
 * When libvirt says the migration is over it is an ordinary VM again: on
 * the source it is gone, and the VFs it held are free (spares); on the
 * destination, or on the source after a failed or cancelled migration,
 * it gets a VF as any VM does, with its failover pair's MAC.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/pci-addr.h"
#include "model/vf-config.h"

#define PLAN_MAC_LEN 6
/* PlanParams.headroom: as many spare VFs as the PFs can have. */
#define PLAN_HEADROOM_MAX UINT_MAX

/* Why a VM, a PF or a VF is unknown this turn (the daemon keeps the
 * sentence that says what failed; this is its kind, for rules and JSON). */
typedef enum PlanUnknown {
	PLAN_KNOWN,
	PLAN_UNKNOWN_METADATA,	 /* its kvmnet metadata: unreadable, or neither yes nor no */
	PLAN_UNKNOWN_DEFINITION, /* its live XML: unreadable or not parsed; what it holds is unknown */
	PLAN_UNKNOWN_UUID,	 /* its UUID does not parse */
	PLAN_UNKNOWN_HOLDS,	 /* it holds a VF of an unknown PF, or what may be one */
	PLAN_UNKNOWN_SYSFS,	 /* a sysfs file of the PF or VF cannot be read */
	PLAN_UNKNOWN_ADDRESS,	 /* a PCI address cannot be read or does not parse */
	PLAN_UNKNOWN_JOB,	 /* whether libvirt is migrating it: its state or job cannot be read */
	_PLAN_UNKNOWN_MAX,
} PlanUnknown;

/* How a VM's NUMA node chooses its VF (N1-N3), after Nova's PCI NUMA
 * policies. */
typedef enum PlanNuma {
	PLAN_NUMA_DEFAULT,   /* PlanVm: PlanParams.numa; PlanParams: legacy */
	PLAN_NUMA_LEGACY,    /* NUMA plays no part */
	PLAN_NUMA_PREFERRED, /* its node's PFs first, else any */
	PLAN_NUMA_REQUIRED,  /* its node's PFs only, else it waits */
	_PLAN_NUMA_MAX,
} PlanNuma;

typedef struct PlanParams {
	unsigned threshold;	/* M */
	unsigned vfs_per_vm;	/* VFs per managed VM in the split */
	uint64_t min_dwell_us;	/* below M this long ends the split */
	unsigned headroom;	/* spare VFs made beyond N1 when VFs are made; 0: exactly N1 */
	PlanNuma numa;		/* the VMs' NUMA policy (N1-N3); PLAN_NUMA_DEFAULT: legacy */
	bool resize_drain;	/* [sriov] resize = drain (D1-D3) */
} PlanParams;

/* A running domain the daemon manages. */
typedef struct PlanVm {
	const char *name;
	uint8_t uuid[16];
	bool opted_out;	    /* its libvirt metadata says: leave me alone */
	bool has_other_nic; /* a NIC besides the daemon's VFs (virtio...) */
	/* Its virtio NIC is the persistent member of a failover pair
	 * (kvmnetctl vm team) with no transient member yet: the MAC the
	 * VF must have to join it. */
	bool has_team_mac;
	uint8_t team_mac[PLAN_MAC_LEN];
	PlanUnknown unknown; /* PLAN_KNOWN, or why its state is unknown (U1) */
	bool migrating;	     /* libvirt is migrating it, in or out (G1, G2) */
	/* Its VF policy from its metadata (model/vf-policy.h; mask 0: none),
	 * and whether the NIC refused this very policy before and it is not
	 * to be tried again yet (P1). */
	VfConfig vf_policy;
	bool vf_policy_refused;
	bool has_node;	     /* its vCPUs and memory are on one NUMA node (N1-N3) */
	unsigned node;
	PlanNuma numa;	     /* its own policy, or PLAN_NUMA_DEFAULT */
} PlanVm;

typedef enum PlanVfDriver {
	PLAN_DRIVER_NONE,  /* no driver bound (autoprobe off) */
	PLAN_DRIVER_VFIO,  /* vfio-pci */
	PLAN_DRIVER_OTHER, /* igbvf, ixgbevf...: someone uses it on the host */
	PLAN_DRIVER_UNKNOWN, /* the driver link cannot be read (U3) */
} PlanVfDriver;

typedef enum PlanVfUse {
	PLAN_VF_FREE,	 /* no domain holds it */
	PLAN_VF_OURS,	 /* held by `vm`, attached by the daemon (journal) */
	PLAN_VF_FOREIGN, /* held by a domain that did not get it from us */
	PLAN_VF_UNKNOWN, /* its address, or the holdings of some domain, unknown (U3) */
} PlanVfUse;

typedef struct PlanVf {
	unsigned index; /* N of the PF's virtfnN link */
	PciAddr addr;
	PlanVfDriver driver;
	PlanVfUse use;
	/* Index in PlanInput.vms of the holder, when it is a listed VM; -1
	 * otherwise (free, or held by a domain not listed).  For
	 * PLAN_VF_UNKNOWN: the VM the journal gave it to, or -1. */
	int vm;
	/* Held as the transient member of its VM's failover pair: when it
	 * goes, the guest's traffic falls back to the pair's virtio NIC (D1). */
	bool teamed;
} PlanVf;

typedef struct PlanPf {
	const char *name; /* netdev or address, for messages */
	PciAddr addr;
	unsigned totalvfs;
	unsigned numvfs;
	/* The daemon set numvfs (journal).  A nonzero numvfs set by someone
	 * else is theirs: never changed. */
	bool numvfs_ours;
	const PlanVf *vfs; /* the VFs that exist, any order */
	size_t n_vfs;
	PlanUnknown unknown; /* PLAN_KNOWN, or why it is unknown (U4): then n_vfs is 0 */
	unsigned numvfs_refused; /* K2: a count refused for want of resources; 0: none */
	bool numvfs_hold;	 /* K1: no numvfs change this turn */
	bool has_node;		 /* sysfs numa_node is not -1 */
	unsigned node;
} PlanPf;

/* Kept by the caller between decisions (and in the journal). */
typedef struct PlanMode {
	bool active;		 /* the split is on */
	uint64_t below_since_us; /* M1 < M since then while active; 0: not */
} PlanMode;

typedef struct PlanInput {
	PlanParams params;
	const PlanVm *vms;
	size_t n_vms;
	const PlanPf *pfs;
	size_t n_pfs;
	PlanMode mode;
	uint64_t now_us; /* any monotonic clock, the same as below_since_us */
} PlanInput;

typedef enum PlanActionType {
	PLAN_DETACH,	 /* vm, pf, vf */
	PLAN_SET_NUMVFS, /* pf, numvfs (autoprobe off before a nonzero value) */
	PLAN_BIND_VFIO,	 /* pf, vf: driver_override vfio-pci, probe */
	PLAN_SET_VF_MAC, /* pf, vf, mac, policy: on the PF over rtnetlink */
	PLAN_ATTACH,	 /* vm, pf, vf, mac, policy: <interface type='hostdev'> */
	PLAN_WAIT,	 /* nothing to do now; `wait` says why (vm, pf when known) */
	_PLAN_ACTION_MAX,
} PlanActionType;

typedef enum PlanWait {
	PLAN_WAIT_NONE,
	PLAN_WAIT_BELOW_THRESHOLD, /* M1 < M: no split */
	PLAN_WAIT_DWELL,	   /* M1 < M, ending the split at Plan.wakeup_us */
	PLAN_WAIT_PF_BUSY,	   /* more VFs need numvfs through 0 on pf, whose VFs are in use */
	PLAN_WAIT_PF_NOT_OURS,	   /* pf has room but its numvfs was set by someone else */
	PLAN_WAIT_NO_CAPACITY,	   /* every PF is at sriov_totalvfs and every VF taken */
	PLAN_WAIT_ONLY_NIC,	   /* vm's VF should go, but it is its only NIC */
	PLAN_WAIT_PF_HELD,	   /* split ending, but pf has VFs held by others */
	PLAN_WAIT_HAND,		   /* vm holds a VF given by hand; it gets none from us */
	PLAN_WAIT_UNKNOWN,	   /* vm or pf is unknown (U1, U4); neither: the split stays (U2) */
	PLAN_WAIT_NUMVFS_FAILED,   /* more VFs need a numvfs change of pf that failed (K1, K2) */
	PLAN_WAIT_MIGRATING,	   /* vm is being migrated (G1) */
	PLAN_WAIT_VF_POLICY,	   /* the NIC refused vm's VF policy (P1) */
	PLAN_WAIT_NUMA,		   /* no VF left on vm's NUMA node, and its policy is required (N2) */
	PLAN_WAIT_DRAINING,	   /* pf is drained to grow to numvfs (D1); vm: waits for it */
	_PLAN_WAIT_MAX,
} PlanWait;

typedef struct PlanAction {
	PlanActionType type;
	int vm; /* index in PlanInput.vms, or -1 */
	int pf; /* index in PlanInput.pfs, or -1 */
	int vf; /* VF index on the PF, or -1 */
	unsigned numvfs;
	uint8_t mac[PLAN_MAC_LEN];
	PlanWait wait;
	/* SET_VF_MAC, ATTACH: what the VF carries besides its MAC
	 * (core/vf-policy.h, vf_policy_given()). */
	VfConfig policy;
} PlanAction;

/* Where a VM's traffic goes, as far as the host knows; the first that
 * applies, in this order: UNKNOWN, MIGRATING, VF_PENDING, OPTED_OUT,
 * HAND, VF, VIRTIO. */
typedef enum PlanPath {
	PLAN_PATH_VIRTIO,     /* its own NIC only, none of the daemon's VFs */
	PLAN_PATH_VF,	      /* holds the daemon's VFs, and keeps them in this plan */
	PLAN_PATH_HAND,	      /* holds a VF given by hand */
	PLAN_PATH_OPTED_OUT,  /* opted out through its metadata */
	PLAN_PATH_UNKNOWN,    /* its state is unknown this turn (U1) */
	PLAN_PATH_VF_PENDING, /* this plan attaches a VF to it or detaches one */
	PLAN_PATH_MIGRATING,  /* libvirt is migrating it (G1) */
} PlanPath;

/* Why a PF that VMs wait on (pf-busy) is not drained (D2). */
typedef enum PlanDrainWhy {
	PLAN_DRAIN_NOT_ASKED, /* no VM waits on it, or it is drained */
	PLAN_DRAIN_NEVER,     /* resize = never */
	PLAN_DRAIN_UNTEAMED,  /* vf held by vm, which is not teamed */
	PLAN_DRAIN_NOT_GIVEN, /* vf held by a domain kvmnetd did not give it to (vm, or -1) */
	PLAN_DRAIN_HOST_DRIVER, /* vf bound to a host driver */
	PLAN_DRAIN_UNKNOWN,   /* the PF, vf, or vm (any VM when vf is -1) is unknown */
	PLAN_DRAIN_MIGRATING, /* vf held by vm, which is being migrated */
	PLAN_DRAIN_NUMVFS,    /* its numvfs is someone else's, on hold or refused (K1, K2) */
	_PLAN_DRAIN_MAX,
} PlanDrainWhy;

typedef struct PlanDrain {
	bool draining;	   /* this plan detaches its VFs to grow it (D1) */
	unsigned numvfs;   /* draining: what it grows to */
	unsigned n_detach; /* draining: the teamed VFs detached */
	PlanDrainWhy why;  /* not draining: why not */
	int vf, vm;	   /* the VF (index) and VM that forbid it, or -1 */
} PlanDrain;

/* Per VM, for `kvmnetctl status`. */
typedef struct PlanVmStatus {
	PlanPath path;
	unsigned n_vfs;	   /* the daemon's VFs it holds after the plan */
	unsigned n_attach; /* of them, attached by this plan */
	unsigned n_detach; /* the daemon's VFs this plan detaches from it */
	PlanWait wait;	/* why it has fewer than vfs_per_vm, or NONE */
	int wait_pf;	/* the PF the wait is about, or -1 */
	int vf_node;	/* the NUMA node of its first VF's PF after the plan; -1: none or unknown */
	bool remote;	/* some VF it holds after the plan is on a PF of another node (N1) */
} PlanVmStatus;

typedef struct Plan {
	PlanMode mode;	    /* keep it for the next decision */
	uint64_t wakeup_us; /* decide again then (min_dwell ends); 0: no timer */
	unsigned m1;	    /* managed running VMs not opted out, known ones only */
	unsigned n_unknown; /* running VMs whose state is unknown (U1, U2) */
	unsigned n1;	    /* VFs wanted: vfs_per_vm * m1 capped, 0 when inactive */
	unsigned spare;	    /* VFs left to give once the plan is done, 0 when inactive */
	unsigned *pf_target; /* numvfs wanted, per PF */
	unsigned *pf_spare;  /* spare VFs per PF once the plan is done */
	PlanVmStatus *vms;   /* per VM */
	PlanDrain *pf_drain; /* per PF (D1, D2) */
	PlanAction *actions;
	size_t n_actions;
} Plan;

/* -EINVAL on an inconsistent input (an index out of range, a VF listed
 * twice, numvfs above totalvfs); -ENOMEM.  *ret is freed with plan_free(). */
int plan_decide(const PlanInput *in, Plan **ret);
void plan_free(Plan *p);
static inline void plan_freep(Plan **p)
{
	plan_free(*p);
}
#define _cleanup_plan_free_ __attribute__((cleanup(plan_freep)))

/* A stable, locally administered unicast MAC for the VM's slot-th VF. */
void plan_vm_mac(const uint8_t uuid[16], unsigned slot, uint8_t ret[PLAN_MAC_LEN]);

const char *plan_action_type_to_string(PlanActionType t);
const char *plan_path_to_string(PlanPath p);
/* A short key ("metadata", "sysfs") for JSON and logs. */
const char *plan_unknown_to_string(PlanUnknown u);
/* A short key ("pf-busy") for JSON, and a sentence for logs. */
const char *plan_wait_to_string(PlanWait w);
/* "legacy", "preferred", "required"; NULL for PLAN_NUMA_DEFAULT. */
const char *plan_numa_to_string(PlanNuma n);
/* The inverse; -EINVAL for anything else. */
int plan_numa_from_string(const char *s, PlanNuma *ret);
/* "split active: M1 4 (threshold 2), N1 4 VF(s), 10 spare (headroom max)":
 * the plan's outcome in one line, for the log and --dry-run. */
int plan_summary_format(const PlanInput *in, const Plan *plan, char **ret);
/* One line for the log, naming the VM, the PF and the VF:
 * "attach PF enp3s0f0 VF 2 (0000:03:10.4) to VM web1 with MAC 02:..". */
int plan_action_format(const PlanInput *in, const Plan *plan, const PlanAction *a, char **ret);

/* D2: whether PF pf may be drained, from the input alone: PLAN_DRAIN_NOT_ASKED
 * when it may, else why not, with the VF index and the VM that forbid it
 * (-1 when none).  Whether it needs to be is plan_decide()'s. */
PlanDrainWhy plan_drain_check(const PlanInput *in, size_t pf, int *ret_vf, int *ret_vm);
/* "draining for 4 VFs (1 teamed VF detached)", "pf-busy: VF 2 held by
 * unteamed lab-x", or NULL (*ret) when there is nothing to say. */
int plan_drain_format(const PlanInput *in, const Plan *plan, size_t pf, char **ret);
const char *plan_drain_why_to_string(PlanDrainWhy w);
