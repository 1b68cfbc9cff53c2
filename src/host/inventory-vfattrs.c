/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VF attribute source of the inventory: MAC, VLAN, QoS, spoof check,
 * trust and link state of each VF as its PF reports them over rtnetlink
 * (IFLA_VFINFO_LIST), one socket for every PF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "host/inventory.h"
#include "host/rtnl-vf.h"

static void attrs_from_config(const VfConfig *c, InvVfAttrs *a, char mac[static ETHER_ADDR_STRLEN])
{
	*a = (InvVfAttrs){ .vlan = -1, .qos = -1, .spoofchk = -1, .trust = -1 };
	if (c->mask & VF_ATTR_BIT(VF_ATTR_MAC)) {
		ether_addr_format(c->mac, mac);
		a->mac = mac;
	}
	if (c->mask & VF_ATTR_BIT(VF_ATTR_VLAN)) {
		a->vlan = c->vlan;
		a->qos = c->qos;
	}
	if (c->mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK))
		a->spoofchk = c->spoofchk;
	if (c->mask & VF_ATTR_BIT(VF_ATTR_TRUST))
		a->trust = c->trust;
	if (c->mask & VF_ATTR_BIT(VF_ATTR_LINK_STATE))
		a->link_state = (char *)vf_link_state_to_string(c->link_state);
}

static int fill_pf(Inventory *inv, Rtnl *rtnl, const InvNic *nic)
{
	_cleanup_free_ VfConfig *vfs = NULL;
	const char *pf = nic->pci->addr;
	size_t n = 0;
	int r;

	if (!nic->pci->netdevs || !nic->pci->netdevs[0])
		return inventory_set_vf_attrs_unknown(inv, pf, "the PF has no network interface (no driver bound)");
	r = rtnl_vf_read(rtnl, nic->pci->netdevs[0], &vfs, &n);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		_cleanup_free_ char *reason = NULL;

		if (asprintf(&reason, "rtnetlink on %s: %s", nic->pci->netdevs[0], strerror(-r)) < 0)
			return -ENOMEM;
		return inventory_set_vf_attrs_unknown(inv, pf, reason);
	}
	for (size_t i = 0; i < n; i++) {
		InvVfAttrs a;
		char mac[ETHER_ADDR_STRLEN];

		attrs_from_config(&vfs[i], &a, mac);
		r = inventory_set_vf_attrs(inv, pf, (int)vfs[i].index, &a);
		/* A VF the kernel reports but sysfs does not list: nothing to
		 * attach the attributes to. */
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

int inventory_fill_vf_attrs(Inventory *inv, const InventoryOptions *opts, char **ret_reason)
{
	Rtnl *rtnl = NULL;
	int r = 0;

	/* A fake tree's netdevs are not the running kernel's. */
	if (!streq(sysroot(), "/")) {
		if (ret_reason)
			*ret_reason = strdup("not read: $KVMNET_SYSROOT is another host's tree, and rtnetlink "
					     "speaks for the running kernel");
		return -EOPNOTSUPP;
	}
	r = rtnl_open(&rtnl);
	if (r < 0) {
		if (ret_reason && asprintf(ret_reason, "cannot open rtnetlink: %s", strerror(-r)) < 0)
			*ret_reason = NULL;
		return r;
	}
	for (size_t i = 0; i < inv->n_nics && r >= 0; i++)
		if (inv->nics[i].sriov && inv->nics[i].pci)
			r = fill_pf(inv, rtnl, &inv->nics[i]);
	rtnl_close(rtnl);
	if (r < 0 && ret_reason)
		*ret_reason = strdup("out of memory reading VF attributes");
	return r;
}
