/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names and log lines for the decision core's output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "model/vf-policy.h"
#include "plan.h"

const char *plan_action_type_to_string(PlanActionType t)
{
	static const char *const names[_PLAN_ACTION_MAX] = {
		[PLAN_DETACH] = "detach",     [PLAN_SET_NUMVFS] = "set-numvfs", [PLAN_BIND_VFIO] = "bind-vfio",
		[PLAN_SET_VF_MAC] = "set-mac", [PLAN_ATTACH] = "attach",	 [PLAN_WAIT] = "wait",
	};

	return (unsigned)t < _PLAN_ACTION_MAX ? names[t] : NULL;
}

const char *plan_path_to_string(PlanPath p)
{
	static const char *const names[] = {
		[PLAN_PATH_VIRTIO] = "virtio",
		[PLAN_PATH_VF] = "vf",
		[PLAN_PATH_HAND] = "vf-by-hand",
		[PLAN_PATH_OPTED_OUT] = "opted-out",
		[PLAN_PATH_UNKNOWN] = "unknown",
		[PLAN_PATH_VF_PENDING] = "vf-pending",
		[PLAN_PATH_MIGRATING] = "migrating",
	};

	return (unsigned)p < ELEMENTSOF(names) ? names[p] : NULL;
}

const char *plan_unknown_to_string(PlanUnknown u)
{
	static const char *const names[_PLAN_UNKNOWN_MAX] = {
		[PLAN_KNOWN] = "known",
		[PLAN_UNKNOWN_METADATA] = "metadata",
		[PLAN_UNKNOWN_DEFINITION] = "definition",
		[PLAN_UNKNOWN_UUID] = "uuid",
		[PLAN_UNKNOWN_HOLDS] = "holds-unknown-vf",
		[PLAN_UNKNOWN_SYSFS] = "sysfs",
		[PLAN_UNKNOWN_ADDRESS] = "address",
		[PLAN_UNKNOWN_JOB] = "migration-state",
	};

	return (unsigned)u < _PLAN_UNKNOWN_MAX ? names[u] : NULL;
}

const char *plan_wait_to_string(PlanWait w)
{
	static const char *const names[_PLAN_WAIT_MAX] = {
		[PLAN_WAIT_NONE] = "none",
		[PLAN_WAIT_BELOW_THRESHOLD] = "below-threshold",
		[PLAN_WAIT_DWELL] = "dwell",
		[PLAN_WAIT_PF_BUSY] = "pf-busy",
		[PLAN_WAIT_PF_NOT_OURS] = "pf-not-ours",
		[PLAN_WAIT_NO_CAPACITY] = "no-capacity",
		[PLAN_WAIT_ONLY_NIC] = "only-nic",
		[PLAN_WAIT_PF_HELD] = "pf-held",
		[PLAN_WAIT_HAND] = "vf-by-hand",
		[PLAN_WAIT_UNKNOWN] = "unknown",
		[PLAN_WAIT_NUMVFS_FAILED] = "numvfs-failed",
		[PLAN_WAIT_MIGRATING] = "migrating",
		[PLAN_WAIT_VF_POLICY] = "vf-policy",
		[PLAN_WAIT_NUMA] = "numa",
		[PLAN_WAIT_DRAINING] = "draining",
	};

	return (unsigned)w < _PLAN_WAIT_MAX ? names[w] : NULL;
}

static const char *vm_name(const PlanInput *in, int vm)
{
	return vm >= 0 && (size_t)vm < in->n_vms && in->vms[vm].name ? in->vms[vm].name : "?";
}

static const char *pf_name(const PlanInput *in, int pf, char buf[static PCI_ADDR_STRLEN])
{
	if (pf < 0 || (size_t)pf >= in->n_pfs)
		return "?";
	return in->pfs[pf].name ? in->pfs[pf].name : pci_addr_format(&in->pfs[pf].addr, buf);
}

/* The VF's address when the input lists it; new VFs have none yet. */
static const char *vf_addr(const PlanInput *in, int pf, int vf, char buf[static PCI_ADDR_STRLEN + 3])
{
	if (pf < 0 || (size_t)pf >= in->n_pfs)
		return "";
	for (size_t i = 0; i < in->pfs[pf].n_vfs; i++)
		if ((int)in->pfs[pf].vfs[i].index == vf) {
			char a[PCI_ADDR_STRLEN];

			snprintf(buf, PCI_ADDR_STRLEN + 3, " (%s)", pci_addr_format(&in->pfs[pf].vfs[i].addr, a));
			return buf;
		}
	return "";
}

int plan_summary_format(const PlanInput *in, const Plan *plan, char **ret)
{
	char headroom[16], unknown[32] = "";
	int r;

	if (in->params.headroom == PLAN_HEADROOM_MAX)
		snprintf(headroom, sizeof(headroom), "max");
	else
		snprintf(headroom, sizeof(headroom), "%u", in->params.headroom);
	if (plan->n_unknown)
		snprintf(unknown, sizeof(unknown), ", %u VM(s) unknown", plan->n_unknown);
	if (plan->mode.active)
		r = asprintf(ret, "split active: M1 %u (threshold %u)%s, N1 %u VF(s), %u spare (headroom %s)", plan->m1,
			     in->params.threshold, unknown, plan->n1, plan->spare, headroom);
	else
		r = asprintf(ret, "no split: M1 %u (threshold %u)%s", plan->m1, in->params.threshold, unknown);
	return r < 0 ? -ENOMEM : 0;
}

/* The unknowns' rules (plan.h U1, U2, U4) in the words of the log. */
static int format_unknown(const PlanInput *in, const Plan *plan, const PlanAction *a, char **ret)
{
	char pb[PCI_ADDR_STRLEN];
	int r;

	if (a->vm >= 0 && a->pf >= 0)
		r = asprintf(ret, "wait: VM %s stays on virtio: no VF is free on the known PFs, and PF %s is unknown",
			     vm_name(in, a->vm), pf_name(in, a->pf, pb));
	else if (a->vm >= 0 && (size_t)a->vm < in->n_vms)
		r = asprintf(ret, "wait: VM %s is unknown this turn (%s): it keeps what it holds and gets nothing new",
			     vm_name(in, a->vm), plan_unknown_to_string(in->vms[a->vm].unknown) ?: "?");
	else if (a->pf >= 0 && (size_t)a->pf < in->n_pfs)
		r = asprintf(ret, "wait: PF %s is unknown this turn (%s): numvfs stays and none of its VFs is given",
			     pf_name(in, a->pf, pb), plan_unknown_to_string(in->pfs[a->pf].unknown) ?: "?");
	else
		r = asprintf(ret, "wait: the split stays: M1 %u is below the threshold of %u, but %u VM(s) are unknown",
			     plan->m1, in->params.threshold, plan->n_unknown);
	return r < 0 ? -ENOMEM : 0;
}

static int format_wait(const PlanInput *in, const Plan *plan, const PlanAction *a, char **ret)
{
	char pb[PCI_ADDR_STRLEN];
	const char *vm = vm_name(in, a->vm), *pf = pf_name(in, a->pf, pb);
	int r = -1;

	switch (a->wait) {
	case PLAN_WAIT_DWELL:
		r = asprintf(ret, "wait: %u managed VMs, below the threshold of %u; ending the split in %llu ms unless more start",
			     plan->m1, in->params.threshold,
			     (unsigned long long)((plan->wakeup_us - in->now_us) / 1000));
		break;
	case PLAN_WAIT_PF_BUSY: {
		_cleanup_free_ char *why = NULL;

		/* D2: with resize = drain, why it is not drained */
		if (a->pf >= 0 && plan_drain_format(in, plan, (size_t)a->pf, &why) < 0)
			return -ENOMEM;
		r = asprintf(ret, "wait: VM %s stays on virtio: more VFs needed but PF %s has VFs in use; changing numvfs would destroy them%s%s%s",
			     vm, pf, why ? " (not drained: " : "", why ?: "", why ? ")" : "");
		break;
	}
	case PLAN_WAIT_DRAINING:
		if (a->vm >= 0)
			r = asprintf(ret, "wait: VM %s stays on virtio while PF %s is drained", vm, pf);
		else
			r = asprintf(ret, "drain: draining PF %s for %u VFs: its teamed VFs are detached (the guests "
				     "fall back to virtio), then numvfs goes through 0 and they are given back", pf, a->numvfs);
		break;
	case PLAN_WAIT_PF_NOT_OURS:
		r = asprintf(ret, "wait: VM %s stays on virtio: more VFs needed but PF %s's numvfs was set by someone else; not changing it",
			     vm, pf);
		break;
	case PLAN_WAIT_NO_CAPACITY:
		r = asprintf(ret, "wait: VM %s stays on virtio: every VF of the configured PFs is taken (sriov_totalvfs reached)",
			     vm);
		break;
	case PLAN_WAIT_ONLY_NIC:
		r = asprintf(ret, "wait: VM %s keeps its VF on PF %s: it is the VM's only NIC", vm, pf);
		break;
	case PLAN_WAIT_PF_HELD:
		r = asprintf(ret, "wait: split ends but PF %s still has VFs held or bound to a host driver; numvfs stays",
			     pf);
		break;
	case PLAN_WAIT_UNKNOWN:
		return format_unknown(in, plan, a, ret);
	case PLAN_WAIT_NUMVFS_FAILED:
		r = asprintf(ret, "wait: VM %s stays on virtio: more VFs need a numvfs change of PF %s, which the kernel refused (kvmnetctl status says why)",
			     vm, pf);
		break;
	case PLAN_WAIT_MIGRATING:
		r = asprintf(ret, "wait: VM %s is being migrated: it keeps what it holds and gets nothing until libvirt "
			     "says the migration is over", vm);
		break;
	case PLAN_WAIT_VF_POLICY:
		r = asprintf(ret, "wait: VM %s stays on virtio: the NIC refused its VF policy (kvmnetctl status says why); "
			     "tried again later, or when the policy changes", vm);
		break;
	case PLAN_WAIT_NUMA:
		r = asprintf(ret, "wait: VM %s stays on virtio: numa: no free VF on node %u (its policy is required)", vm,
			     a->vm >= 0 && (size_t)a->vm < in->n_vms ? in->vms[a->vm].node : 0);
		break;
	default:
		r = asprintf(ret, "wait: %s", plan_wait_to_string(a->wait) ?: "?");
		break;
	}
	return r < 0 ? -ENOMEM : 0;
}

/* The VM's own VF policy, when it has one, goes in the line (P1). */
static int format_set_mac(const PlanInput *in, const PlanAction *a, const char *pf, const char *addr, const char *mac,
			  const char *vm, char **ret)
{
	const VfConfig *policy = a->vm >= 0 && (size_t)a->vm < in->n_vms ? &in->vms[a->vm].vf_policy : NULL;
	_cleanup_free_ char *p = NULL;
	int r;

	if (policy && (policy->mask & ~VF_ATTR_BIT(VF_ATTR_MAC)) && vf_policy_format(policy, &p) < 0)
		return -ENOMEM;
	r = asprintf(ret, "set PF %s VF %d%s MAC to %s for VM %s%s%s", pf, a->vf, addr, mac, vm, p ? " with VF policy " : "",
		     p ? p : "");
	return r < 0 ? -ENOMEM : 0;
}

int plan_action_format(const PlanInput *in, const Plan *plan, const PlanAction *a, char **ret)
{
	char pb[PCI_ADDR_STRLEN], vb[PCI_ADDR_STRLEN + 3], mac[ETHER_ADDR_STRLEN];
	const char *vm = vm_name(in, a->vm), *pf = pf_name(in, a->pf, pb);
	const char *addr = vf_addr(in, a->pf, a->vf, vb);
	int r = -1;

	ether_addr_format(a->mac, mac);
	switch (a->type) {
	case PLAN_DETACH:
		r = asprintf(ret, "detach PF %s VF %d%s from VM %s", pf, a->vf, addr, vm);
		break;
	case PLAN_SET_NUMVFS:
		r = asprintf(ret, "set PF %s sriov_numvfs to %u", pf, a->numvfs);
		break;
	case PLAN_BIND_VFIO:
		r = asprintf(ret, "bind PF %s VF %d%s to vfio-pci", pf, a->vf, addr);
		break;
	case PLAN_SET_VF_MAC:
		return format_set_mac(in, a, pf, addr, mac, vm, ret);
	case PLAN_ATTACH:
		r = asprintf(ret, "attach PF %s VF %d%s to VM %s with MAC %s", pf, a->vf, addr, vm, mac);
		break;
	case PLAN_WAIT:
		return format_wait(in, plan, a, ret);
	default:
		return -EINVAL;
	}
	return r < 0 ? -ENOMEM : 0;
}
