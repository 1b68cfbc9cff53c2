/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "team.h"

#define refuse(ret_error, r, ...) error_setf(ret_error, r, __VA_ARGS__)

int team_alias_for_mac(const char *mac, char **ret)
{
	uint8_t a[ETHER_ADDR_LEN_BYTES];

	if (!mac || ether_addr_parse(mac, a) < 0)
		return -EINVAL;
	return asprintf(ret, KVMNET_ALIAS_PREFIX "%02x%02x%02x%02x%02x%02x", a[0], a[1], a[2], a[3], a[4], a[5]) < 0
		       ? -ENOMEM
		       : 0;
}

static bool is_virtio(const DomainIface *i)
{
	return i->type != DOMAIN_IFACE_HOSTDEV && i->model && streq(i->model, "virtio");
}

static bool is_user_alias(const char *a)
{
	return a && strncmp(a, "ua-", 3) == 0;
}

static const char *label(const DomainIface *i)
{
	return i->alias ? i->alias : i->mac ? i->mac : "(no MAC)";
}

static int find_selected(const DomainDef *d, const char *select, char **ret_error)
{
	for (size_t k = 0; k < d->n_ifaces; k++) {
		const DomainIface *i = &d->ifaces[k];

		if ((i->mac && strcasecmp(i->mac, select) == 0) || (i->alias && streq(i->alias, select)))
			return (int)k;
	}
	return refuse(ret_error, -ENOENT, "%s has no interface with the MAC or alias '%s'", d->name, select);
}

static int find_teamed(const DomainDef *d)
{
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (d->ifaces[k].teaming == DOMAIN_TEAMING_PERSISTENT)
			return (int)k;
	return -1;
}

static int find_virtio(const DomainDef *d)
{
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (is_virtio(&d->ifaces[k]))
			return (int)k;
	return -1;
}

/* A transient member of the definition that still names alias. */
static const char *transient_partner(const DomainDef *d, const char *alias, char buf[static PCI_ADDR_STRLEN])
{
	for (size_t k = 0; alias && k < d->n_ifaces; k++) {
		const DomainIface *i = &d->ifaces[k];

		if (i->teaming == DOMAIN_TEAMING_TRANSIENT && i->teaming_persistent && streq(i->teaming_persistent, alias))
			return i->has_pci_source ? pci_addr_format(&i->pci_source, buf) : label(i);
	}
	for (size_t k = 0; alias && k < d->n_hostdevs; k++) {
		const DomainHostdev *h = &d->hostdevs[k];

		if (h->teaming == DOMAIN_TEAMING_TRANSIENT && h->teaming_persistent && streq(h->teaming_persistent, alias))
			return pci_addr_format(&h->addr, buf);
	}
	return NULL;
}

static int plan_remove(const DomainDef *d, int k, TeamPlan *p, char **ret_error)
{
	const DomainIface *i;
	char buf[PCI_ADDR_STRLEN];
	const char *partner;

	if (k < 0)
		return 0; /* nothing teamed: nothing to undo */
	i = &d->ifaces[k];
	if (i->teaming != DOMAIN_TEAMING_PERSISTENT)
		return 0;
	partner = transient_partner(d, i->alias, buf);
	if (partner)
		return refuse(ret_error, -EINVAL,
			      "%s: the definition holds a transient member (%s) paired with '%s'; remove it first "
			      "(virsh detach-device --config)",
			      d->name, partner, i->alias);
	p->changes = true;
	p->edit.teaming = IFACE_TEAMING_REMOVE;
	/* An alias someone else chose may be referred to elsewhere: keep it. */
	p->edit.drop_alias = i->alias && strncmp(i->alias, KVMNET_ALIAS_PREFIX, strlen(KVMNET_ALIAS_PREFIX)) == 0;
	if (!p->edit.drop_alias && i->alias && !(p->alias = strdup(i->alias)))
		return -ENOMEM;
	return 0;
}

static int plan_add(const DomainDef *d, int k, TeamPlan *p, char **ret_error)
{
	const DomainIface *i = &d->ifaces[k];
	int teamed = find_teamed(d), r;

	if (!is_virtio(i))
		return refuse(ret_error, -EINVAL,
			      "%s: interface %s is %s%s, not virtio: the persistent member of a failover pair must be "
			      "a virtio-net NIC (switch it with 'kvmnetctl vm apply' or <model type='virtio'/>)",
			      d->name, label(i), i->type == DOMAIN_IFACE_HOSTDEV ? "a hostdev (a VF)" : "model ",
			      i->type == DOMAIN_IFACE_HOSTDEV ? "" : (i->model ? i->model : "(default)"));
	if (teamed >= 0 && teamed != k)
		return refuse(ret_error, -EINVAL,
			      "%s: interface %s is already the persistent member of a failover pair; kvmnet pairs "
			      "one per domain (undo it with --remove --iface %s)",
			      d->name, label(&d->ifaces[teamed]), label(&d->ifaces[teamed]));
	if (!i->mac)
		return refuse(ret_error, -EINVAL,
			      "%s: interface %s has no MAC in the definition; the VF must get the same MAC",
			      d->name, label(i));
	if (is_user_alias(i->alias))
		p->alias = strdup(i->alias);
	else if ((r = team_alias_for_mac(i->mac, &p->alias)) < 0)
		return r == -EINVAL ? refuse(ret_error, r, "%s: interface MAC '%s' is malformed", d->name, i->mac) : r;
	if (!p->alias)
		return -ENOMEM;
	p->changes = i->teaming != DOMAIN_TEAMING_PERSISTENT || i->teaming_persistent || !i->alias ||
		     !streq(i->alias, p->alias);
	p->edit.teaming = IFACE_TEAMING_PERSISTENT;
	p->edit.alias = p->alias;
	return 0;
}

int team_plan(const DomainDef *d, const char *select, bool remove, TeamPlan *ret, char **ret_error)
{
	TeamPlan p = {};
	int k, r;

	if (select)
		k = find_selected(d, select, ret_error);
	else if ((k = find_teamed(d)) < 0 && !remove && (k = find_virtio(d)) < 0)
		k = refuse(ret_error, -EINVAL,
			   "%s has no virtio NIC to be the persistent member of a failover pair (it has %zu "
			   "interface(s), none with <model type='virtio'/>)",
			   d->name, d->n_ifaces);
	if (k < 0 && (select || !remove))
		return k;
	r = remove ? plan_remove(d, k, &p, ret_error) : plan_add(d, k, &p, ret_error);
	if (r < 0) {
		team_plan_done(&p);
		return r;
	}
	p.index = k < 0 ? 0 : (size_t)k;
	p.edit.index = p.index;
	p.edit.mac = k >= 0 ? d->ifaces[k].mac : NULL;
	*ret = p;
	return 0;
}

void team_plan_done(TeamPlan *p)
{
	if (!p)
		return;
	free(p->alias);
	p->alias = NULL;
	p->edit.alias = NULL;
}
