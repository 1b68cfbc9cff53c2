/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-NIC checks: SR-IOV, driver, PCIe link, VF isolation, autoprobe. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "checks-internal.h"

/* The seed's slot rule: an SR-IOV NIC belongs in a slot of x8 or more. */
#define MIN_LINK_WIDTH 8

typedef int (*nic_check_fn)(const NicFacts *n, const char *subject, CheckReport *r);

int pcie_speed_parse(const char *s, unsigned *ret_mts)
{
	unsigned whole = 0, tenths = 0;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > 1000)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		tenths = (unsigned)(*p - '0');
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!strneq(p, " GT/s", 5))
		return -EINVAL;
	*ret_mts = whole * 1000 + tenths * 100;
	return 0;
}

static int nic_sriov(const NicFacts *n, const char *subject, CheckReport *r)
{
	if (!n->sriov && n->vendor && streq(n->vendor, "0x1af4"))
		return check_add(r, "nic-sriov", subject, CHECK_WARN,
				 strf("give this VM an SR-IOV NIC: pass a physical PF through, or emulate one "
				      "(QEMU 10: -device igb on its own pcie-root-port, an 82576 with 7 VFs)"),
				 "a virtio NIC: no SR-IOV, it cannot make VFs");
	if (!n->sriov)
		return check_add(r, "nic-sriov", subject, CHECK_WARN,
				 strf("enable SR-IOV in the BIOS/UEFI setup and in the NIC's firmware, or put an SR-IOV "
				      "NIC in this slot (e.g. Intel 82576, 82599, X710; Mellanox ConnectX-4 or later)"),
				 "no SR-IOV capability (no sriov_totalvfs): the NIC cannot make VFs, or SR-IOV is off in its "
				 "firmware");
	if (n->totalvfs == 0)
		return check_add(r, "nic-sriov", subject, CHECK_WARN,
				 strf("enable SR-IOV in the BIOS/UEFI setup and in the NIC's firmware (Mellanox: mlxconfig "
				      "-d %s set SRIOV_EN=1 NUM_OF_VFS=8; Broadcom: SR-IOV in the device's setup menu), then reboot",
				      n->addr),
				 "sriov_totalvfs is 0: SR-IOV is off in the firmware");
	if (n->totalvfs < 0)
		return check_add(r, "nic-sriov", subject, CHECK_INFO, NULL, "sriov_totalvfs unreadable");
	if (n->numvfs >= 0)
		return check_add(r, "nic-sriov", subject, CHECK_PASS, NULL, "SR-IOV: up to %d VFs, %d enabled",
				 n->totalvfs, n->numvfs);
	return check_add(r, "nic-sriov", subject, CHECK_PASS, NULL, "SR-IOV: up to %d VFs", n->totalvfs);
}

static int nic_driver(const NicFacts *n, const char *subject, CheckReport *r)
{
	if (n->driver)
		return check_add(r, "nic-driver", subject, CHECK_PASS, NULL, "driver %s bound", n->driver);
	return check_add(r, "nic-driver", subject, CHECK_FAIL,
			 strf("load the NIC's driver: 'lspci -k -s %s' names its kernel modules, then 'modprobe MODULE' "
			      "(or install the firmware package dmesg asks for)",
			      n->addr),
			 "no driver bound (PCI id %s:%s)", n->vendor ?: "?", n->device ?: "?");
}

static char *link_fix(const NicFacts *n, bool narrow, bool slow, bool below_rule)
{
	if (narrow)
		return strf("move the NIC to a slot wired x%d (board manuals list x16 slots wired x4 or x8), reseat it, "
			    "and check the BIOS PCIe bifurcation setting",
			    n->max_link_width);
	if (slow)
		return strf("set the slot's PCIe link speed to Auto (or the NIC's generation) in the BIOS/UEFI setup, "
			    "and use a slot of that generation");
	if (below_rule && n->max_link_width < MIN_LINK_WIDTH)
		return strf("this NIC is an x%d card: use an x%d or wider NIC for line rate on every VF",
			    n->max_link_width, MIN_LINK_WIDTH);
	return strf("move the NIC to a slot wired x%d or wider", MIN_LINK_WIDTH);
}

static int nic_link(const NicFacts *n, const char *subject, CheckReport *r)
{
	unsigned cur = 0, max = 0;
	bool speeds = pcie_speed_parse(n->link_speed, &cur) == 0 && pcie_speed_parse(n->max_link_speed, &max) == 0;
	bool narrow, slow, below_rule;
	char speed[32] = "";

	if (n->link_width <= 0 || n->max_link_width <= 0)
		return check_add(r, "nic-link", subject, CHECK_INFO, NULL,
				 "PCIe link width not reported (not a PCIe endpoint, e.g. an emulated device)");
	narrow = n->link_width < n->max_link_width;
	slow = speeds && cur < max;
	below_rule = n->link_width < MIN_LINK_WIDTH;
	if (speeds)
		snprintf(speed, sizeof(speed), " at %u.%u GT/s", cur / 1000, cur % 1000 / 100);
	if (!narrow && !slow && !below_rule)
		return check_add(r, "nic-link", subject, CHECK_PASS, NULL, "PCIe x%d%s, its maximum", n->link_width, speed);
	if (narrow || slow)
		return check_add(r, "nic-link", subject, CHECK_WARN, link_fix(n, narrow, slow, below_rule),
				 "PCIe link runs x%d%s, below its maximum x%d%s%s", n->link_width, speed, n->max_link_width,
				 slow ? " at " : "", slow ? n->max_link_speed : "");
	return check_add(r, "nic-link", subject, CHECK_WARN, link_fix(n, false, false, true),
			 "PCIe x%d%s (its maximum) is narrower than the x%d the slot rule asks for", n->link_width, speed,
			 MIN_LINK_WIDTH);
}

static bool nic_has_vfs(const NicFacts *n)
{
	return n->sriov && n->totalvfs > 0;
}

static int nic_vf_groups(const NicFacts *n, const char *subject, CheckReport *r)
{
	const VfFacts *bad = NULL;
	size_t n_bad = 0, n_present = 0;

	if (!nic_has_vfs(n))
		return 0;
	for (size_t i = 0; i < n->n_vfs; i++) {
		const VfFacts *v = &n->vfs[i];

		if (!v->addr)
			continue;
		n_present++;
		if (v->iommu_group < 0 || strv_length(v->iommu_peers) > 0) {
			if (!bad)
				bad = v;
			n_bad++;
		}
	}
	if (n_present == 0)
		return check_add(r, "nic-vf-groups", subject, CHECK_INFO, NULL,
				 "no VFs enabled yet: their IOMMU groups are checked once VFs exist");
	if (!bad)
		return check_add(r, "nic-vf-groups", subject, CHECK_PASS, NULL, "%zu VF(s), each alone in its IOMMU group",
				 n_present);
	if (bad->iommu_group < 0)
		return check_add(r, "nic-vf-groups", subject, CHECK_FAIL,
				 strf("turn the IOMMU on (see the iommu-* lines): without it no VF can go to a VM"),
				 "%zu of %zu VF(s) have no IOMMU group, first VF %d (%s)", n_bad, n_present, bad->index,
				 bad->addr);
	return check_add(r, "nic-vf-groups", subject, CHECK_FAIL,
			 strf("move the NIC to a PCIe slot on a CPU root port with ACS (not a chipset or switch port "
			      "without ACS) and update the BIOS; functions of one group can only go to one VM together"),
			 "%zu of %zu VF(s) share their IOMMU group, first VF %d (%s) in group %d with %s", n_bad,
			 n_present, bad->index, bad->addr, bad->iommu_group, bad->iommu_peers[0]);
}

static int nic_autoprobe(const NicFacts *n, const char *subject, CheckReport *r)
{
	if (!nic_has_vfs(n))
		return 0;
	if (n->drivers_autoprobe == 0)
		return check_add(r, "nic-autoprobe", subject, CHECK_PASS, NULL,
				 "sriov_drivers_autoprobe is 0: new VFs stay free for vfio-pci");
	if (n->drivers_autoprobe < 0)
		return check_add(r, "nic-autoprobe", subject, CHECK_INFO, NULL, "sriov_drivers_autoprobe unreadable");
	return check_add(r, "nic-autoprobe", subject, CHECK_WARN,
			 strf("echo 0 > /sys/bus/pci/devices/%s/sriov_drivers_autoprobe (kvmnetd does this before it "
			      "creates VFs)",
			      n->addr),
			 "sriov_drivers_autoprobe is 1: the host's VF driver will bind each new VF");
}

static const nic_check_fn nic_checks[] = {
	nic_sriov, nic_driver, nic_link, nic_vf_groups, nic_autoprobe,
};

static char *nic_subject(const NicFacts *n)
{
	_cleanup_free_ char *names = NULL;
	size_t len = 0;

	if (strv_length(n->netdevs) == 0)
		return strdup(n->addr);
	STRV_FOREACH(d, n->netdevs)
		len += strlen(*d) + 1;
	names = calloc(1, len + 1);
	if (!names)
		return NULL;
	STRV_FOREACH(d, n->netdevs) {
		if (*names)
			strcat(names, ",");
		strcat(names, *d);
	}
	return strf("%s (%s)", n->addr, names);
}

int check_nics(const HostFacts *f, CheckReport *r)
{
	for (size_t i = 0; i < f->n_nics; i++) {
		_cleanup_free_ char *subject = nic_subject(&f->nics[i]);

		if (!subject)
			return -ENOMEM;
		for (size_t j = 0; j < ELEMENTSOF(nic_checks); j++) {
			int k = nic_checks[j](&f->nics[i], subject, r);

			if (k < 0)
				return k;
		}
	}
	return 0;
}

int check_sriov_nics(const HostFacts *f, CheckReport *r)
{
	size_t capable = 0;

	for (size_t i = 0; i < f->n_nics; i++)
		if (nic_has_vfs(&f->nics[i]))
			capable++;
	if (!f->nics_known)
		return check_add(r, "sriov-nics", "host", CHECK_INFO, NULL,
				 "network PCI functions unknown (/sys/bus/pci/devices unreadable)");
	if (f->n_nics == 0)
		return check_add(r, "sriov-nics", "host", CHECK_FAIL,
				 strf("install a PCIe network card with SR-IOV (e.g. Intel 82576, 82599, X710)"),
				 "no network PCI function found");
	if (capable == 0)
		return check_add(r, "sriov-nics", "host", CHECK_FAIL,
				 strf("enable SR-IOV in the firmware or install an SR-IOV NIC (see the nic-sriov lines)"),
				 "none of the %zu NIC(s) can make VFs: kvmnet can place their IRQs but not split them",
				 f->n_nics);
	return check_add(r, "sriov-nics", "host", CHECK_PASS, NULL, "%zu of %zu NIC(s) can make VFs", capable, f->n_nics);
}
