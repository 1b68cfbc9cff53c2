/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>

#include "model/domain-edit.h"
#include "model/domain-xml.h"

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
	/* a node set that parsed names at least one node */
	if (d->has_numatune && cpuset_count(&d->numatune_nodes) == 0)
		abort();
	for (size_t i = 0; i < d->n_vcpupins; i++)
		if (cpuset_count(&d->vcpupins[i].cpus) == 0)
			abort();
}

/* The canonical form (C14N, comments kept) of a document's root element,
 * or NULL when it does not parse as read_doc() reads it. */
static xmlChar *canonical(const char *xml)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *c = NULL;

	if (!root) {
		xmlFreeDoc(doc);
		return NULL;
	}
	/* Only the root element is written back (as libvirt keeps it). */
	while (root->prev || root->next) {
		xmlNode *n = root->prev ? root->prev : root->next;

		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	if (xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 1, &c) < 0)
		c = NULL;
	xmlFreeDoc(doc);
	return c;
}

/* What `vm apply` does to a definition must keep it the same definition:
 * with no edit, every text, attribute and comment of the root element is
 * kept byte for byte (libvirt takes <name> and others as their
 * concatenated text, whitespace included), and it parses to the same
 * model. */
static void check_roundtrip(const uint8_t *data, size_t size, const DomainDef *d)
{
	char *in = strndup((const char *)data, size), *out = NULL;
	DomainDef *d2 = NULL;
	xmlChar *c1, *c2;

	/* An embedded NUL truncates the string: nothing to compare then. */
	if (!in || strlen(in) != size || domain_xml_normalize(in, &out, NULL) < 0) {
		free(in);
		return;
	}
	if (domain_xml_parse(out, strlen(out), &d2, NULL) < 0 || !streq(d->name, d2->name) ||
	    d->n_ifaces != d2->n_ifaces || d->n_hostdevs != d2->n_hostdevs || d->vcpus != d2->vcpus)
		abort();
	c1 = canonical(in);
	c2 = canonical(out);
	/* C14N refuses some documents libxml2 parses (a relative namespace
	 * URI such as xmlns:x="http%://..."): then the output must be refused
	 * alike, and otherwise be the same canonical document. */
	if (!c1 != !c2 || (c1 && !streq((const char *)c1, (const char *)c2)))
		abort();
	xmlFree(c1);
	xmlFree(c2);
	domain_def_free(d2);
	free(out);
	free(in);
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
		check_roundtrip(data, size, d);
	} else if (d)
		abort();
	domain_def_free(d);
	free(err);
	return 0;
}
