/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virt/domain-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever the input, a successful parse must give a model the rest of
 * kvmnet can trust without re-checking. */
static void check(const DomainDef *d)
{
	if (isempty(d->name) || d->vcpus == 0 || d->vcpus_current == 0 || d->vcpus_current > d->vcpus)
		abort();
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const DomainIface *f = &d->ifaces[i];

		if (!f->type_name || (f->type == DOMAIN_IFACE_HOSTDEV && !f->has_pci_source))
			abort();
		if (f->teaming == DOMAIN_TEAMING_NONE && f->teaming_persistent)
			abort();
		for (size_t t = 0; t < f->n_vlan_tags; t++)
			if (f->vlan_tags[t] > 4095)
				abort();
		if (f->has_pci_source && (f->pci_source.slot > 0x1f || f->pci_source.function > 7))
			abort();
	}
	for (size_t i = 0; i < d->n_vcpupins; i++)
		if (cpuset_count(&d->vcpupins[i].cpus) == 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	DomainDef *d = NULL;
	char *err = NULL;
	int r;

	r = domain_xml_parse((const char *)data, size, &d, &err);
	if (r == 0) {
		if (err)
			abort();
		check(d);
	} else if (d)
		abort();
	domain_def_free(d);
	free(err);
	return 0;
}
