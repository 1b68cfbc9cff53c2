/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "basic/string-util.h"
#include "core/migrate-check.h"

static int add_vf(MigrateCheck *c, const DomainIface *i)
{
	char buf[PCI_ADDR_STRLEN];
	const PciAddr *a = domain_iface_pci(i);

	if (i->teaming == DOMAIN_TEAMING_TRANSIENT)
		c->n_teamed++;
	else
		c->n_unteamed++;
	return strextendf_sep(&c->vfs, ", ", "%s (MAC %s%s)", a ? pci_addr_format(a, buf) : "no PCI address",
			      i->mac ? i->mac : "none", i->teaming == DOMAIN_TEAMING_TRANSIENT ? ", teamed" : "");
}

int migrate_check(const DomainDef *d, MigrateCheck *ret)
{
	MigrateCheck c = {};
	char buf[PCI_ADDR_STRLEN];
	int r = 0;

	for (size_t k = 0; k < d->n_ifaces && r >= 0; k++) {
		const DomainIface *i = &d->ifaces[k];

		if (i->type == DOMAIN_IFACE_HOSTDEV) { /* M1 */
			r = add_vf(&c, i);
			continue;
		}
		c.other_nic = true;
		if (i->model && streq(i->model, "virtio") && i->teaming == DOMAIN_TEAMING_NONE)
			c.virtio_nic = true;
	}
	for (size_t k = 0; k < d->n_hostdevs && r >= 0; k++) { /* M2 */
		c.n_foreign++;
		r = strextendf_sep(&c.foreign, ", ", "%s", pci_addr_format(&d->hostdevs[k].addr, buf));
	}
	if (r < 0) {
		migrate_check_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

void migrate_check_done(MigrateCheck *c)
{
	free(c->vfs);
	free(c->foreign);
	*c = (MigrateCheck){};
}

bool migrate_refused(const MigrateCheck *c)
{
	return c->n_foreign > 0 || (c->n_teamed + c->n_unteamed > 0 && !c->other_nic);
}

int migrate_refusal(const DomainDef *d, const MigrateCheck *c, char **ret)
{
	_cleanup_free_ char *s = NULL;
	int r = 0;

	if (c->n_foreign > 0) /* M2 */
		r = strextendf_sep(&s, "\n",
				   "%s holds the PCI <hostdev> %s, which libvirt cannot migrate and kvmnet never "
				   "gives: detach it yourself (virsh detach-device %s FILE --live), then migrate.",
				   d->name, c->foreign, d->name);
	if (r >= 0 && c->n_teamed + c->n_unteamed > 0 && !c->other_nic) /* M3 */
		r = strextendf_sep(&s, "\n",
				   "%s has no NIC but its VF %s: handed back for the migration, it would leave the "
				   "guest without network.  Add a virtio NIC%s first.",
				   d->name, c->vfs, c->virtio_nic ? "" : " and team it (kvmnetctl vm team)");
	if (r >= 0)
		r = strextendf_sep(&s, "\n", "Nothing was changed.");
	if (r < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(s);
	return 0;
}
