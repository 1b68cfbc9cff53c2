/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "model/domain-edit.h"
#include "model/domain-xml.h"

#define set_error(ret_error, ...) error_setf(ret_error, -EINVAL, __VA_ARGS__)

static int read_doc(const char *xml, xmlDoc **ret, char **ret_error)
{
	size_t n = strlen(xml);
	xmlDoc *doc;

	if (n > DOMAIN_XML_MAX)
		return -EFBIG;
	domain_xml_silence();
	/* Every text node kept as it is, whitespace included: libvirt takes
	 * <name> and the like as their concatenated text, so dropping "blank"
	 * nodes or re-indenting (as NOBLANKS and a formatted dump did) could
	 * rename the domain or change another tool's metadata. */
	doc = xmlReadMemory(xml, (int)n, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return set_error(ret_error, "the domain XML does not parse");
	if (doc->intSubset || !xmlDocGetRootElement(doc) ||
	    !streq((const char *)xmlDocGetRootElement(doc)->name, "domain")) {
		xmlFreeDoc(doc);
		return set_error(ret_error, "not a domain XML");
	}
	*ret = doc;
	return 0;
}

static int dump(xmlDoc *doc, char **ret)
{
	xmlChar *buf = NULL;
	int size = 0;

	/* The root element alone: no XML declaration, as libvirt writes it. */
	xmlBuffer *b = xmlBufferCreate();
	if (!b)
		return -ENOMEM;
	/* Not formatted: the document's own whitespace is its indentation. */
	if (xmlNodeDump(b, doc, xmlDocGetRootElement(doc), 0, 0) < 0) {
		xmlBufferFree(b);
		return -ENOMEM;
	}
	size = xmlBufferLength(b);
	buf = (xmlChar *)xmlBufferContent(b);
	if (asprintf(ret, "%.*s\n", size, (const char *)buf) < 0) {
		xmlBufferFree(b);
		return -ENOMEM;
	}
	xmlBufferFree(b);
	return 0;
}

static xmlNode *elem_child(xmlNode *n, const char *name)
{
	for (xmlNode *k = n->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && streq((const char *)k->name, name))
			return k;
	return NULL;
}

static xmlNode *nth_interface(xmlNode *root, size_t index)
{
	xmlNode *devs = elem_child(root, "devices");
	size_t k = 0;

	for (xmlNode *n = devs ? devs->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && streq((const char *)n->name, "interface") && k++ == index)
			return n;
	return NULL;
}

static bool is_blank(const xmlNode *n)
{
	return n && n->type == XML_TEXT_NODE && xmlIsBlankNode((xmlNode *)n);
}

/* A new last child element, indented like the one before it: between
 * that one's indentation and the closing tag's. */
static xmlNode *add_child(xmlNode *parent, const char *name)
{
	xmlNode *n = xmlNewDocNode(parent->doc, NULL, (const xmlChar *)name, NULL), *indent;
	xmlNode *close = parent->last;

	if (!n)
		return NULL;
	if (!is_blank(close) || !close->prev || !is_blank(close->prev->prev))
		return xmlAddChild(parent, n) ? n : (xmlFreeNode(n), NULL);
	/* The element first: a text node added next to a text node is merged
	 * into it. */
	if (!xmlAddPrevSibling(close, n)) {
		xmlFreeNode(n);
		return NULL;
	}
	indent = xmlNewDocText(parent->doc, close->prev->prev->prev->content);
	if (indent && !xmlAddPrevSibling(n, indent))
		xmlFreeNode(indent);
	return n;
}

static xmlNode *ensure_child(xmlNode *parent, const char *name)
{
	xmlNode *n = elem_child(parent, name);

	return n ? n : add_child(parent, name);
}

/* Remove the element and the indentation before it. */
static void drop_child(xmlNode *parent, const char *name)
{
	xmlNode *n = elem_child(parent, name), *indent = n ? n->prev : NULL;

	if (!n)
		return;
	if (is_blank(indent)) {
		xmlUnlinkNode(indent);
		xmlFreeNode(indent);
	}
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static int set_child_prop(xmlNode *parent, const char *elem, const char *name, const char *value)
{
	xmlNode *n = ensure_child(parent, elem);

	return n && xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value) ? 0 : -ENOMEM;
}

static int edit_teaming(xmlNode *iface, const IfaceEdit *e)
{
	int r;

	if (e->drop_alias)
		drop_child(iface, "alias");
	if (e->alias && (r = set_child_prop(iface, "alias", "name", e->alias)) < 0)
		return r;
	switch (e->teaming) {
	case IFACE_TEAMING_PERSISTENT: {
		xmlNode *t = elem_child(iface, "teaming");

		/* A persistent member names no partner: the transient one
		 * points at it. */
		if (t)
			xmlUnsetProp(t, (const xmlChar *)"persistent");
		return set_child_prop(iface, "teaming", "type", "persistent");
	}
	case IFACE_TEAMING_REMOVE:
		drop_child(iface, "teaming");
		return 0;
	default:
		return 0;
	}
}

static int edit_one(xmlNode *iface, const IfaceEdit *e)
{
	xmlNode *n;
	int r;

	r = edit_teaming(iface, e);
	if (r < 0)
		return r;
	if (e->model) {
		n = ensure_child(iface, "model");
		if (!n || !xmlSetProp(n, (const xmlChar *)"type", (const xmlChar *)e->model))
			return -ENOMEM;
	}
	if (e->drop_driver)
		drop_child(iface, "driver");
	if (!e->driver_name)
		return 0;
	n = ensure_child(iface, "driver");
	if (!n || !xmlSetProp(n, (const xmlChar *)"name", (const xmlChar *)e->driver_name))
		return -ENOMEM;
	if (e->queues == 0) {
		xmlUnsetProp(n, (const xmlChar *)"queues");
		return 0;
	}
	char q[16];
	snprintf(q, sizeof(q), "%u", e->queues);
	return xmlSetProp(n, (const xmlChar *)"queues", (const xmlChar *)q) ? 0 : -ENOMEM;
}

static int check_mac(xmlNode *iface, const IfaceEdit *e, char **ret_error)
{
	xmlNode *m = elem_child(iface, "mac");
	xmlChar *mac = m ? xmlGetNoNsProp(m, (const xmlChar *)"address") : NULL;
	bool ok = mac && strcasecmp((const char *)mac, e->mac) == 0;

	xmlFree(mac);
	return ok ? 0 : set_error(ret_error, "interface %zu has not the MAC %s: the definition changed", e->index, e->mac);
}

int domain_xml_edit_ifaces(const char *xml, const IfaceEdit *edits, size_t n_edits, char **ret_xml,
			   char **ret_error)
{
	xmlDoc *doc = NULL;
	int r;

	r = read_doc(xml, &doc, ret_error);
	if (r < 0)
		return r;
	for (size_t k = 0; k < n_edits && r >= 0; k++) {
		xmlNode *iface = nth_interface(xmlDocGetRootElement(doc), edits[k].index);

		if (!iface)
			r = set_error(ret_error, "no interface %zu in the domain XML", edits[k].index);
		else if (edits[k].mac)
			r = check_mac(iface, &edits[k], ret_error);
		if (r >= 0)
			r = edit_one(iface, &edits[k]);
	}
	if (r >= 0)
		r = dump(doc, ret_xml);
	xmlFreeDoc(doc);
	return r;
}

int domain_xml_normalize(const char *xml, char **ret_xml, char **ret_error)
{
	return domain_xml_edit_ifaces(xml, NULL, 0, ret_xml, ret_error);
}
