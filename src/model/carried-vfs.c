/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "model/carried-vfs.h"
#include "model/domain-xml.h"

static xmlNode *elem_child(xmlNode *n, const char *name)
{
	for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && streq((const char *)k->name, name))
			return k;
	return NULL;
}

static bool prop_is(xmlNode *n, const char *name, const char *value)
{
	xmlChar *v = n ? xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;
	bool is = v && streq((const char *)v, value);

	xmlFree(v);
	return is;
}

/* kvmnet's metadata element says: 1 managed (no element, or manage="yes"),
 * 0 opted out (manage="no"), -EBADMSG neither. */
static int doc_managed(xmlNode *root)
{
	for (xmlNode *n = elem_child(root, "metadata") ? elem_child(root, "metadata")->children : NULL; n;
	     n = n->next) {
		xmlChar *m;
		int r;

		if (n->type != XML_ELEMENT_NODE || !streq((const char *)n->name, "domain") || !n->ns ||
		    !n->ns->href || !streq((const char *)n->ns->href, KVMNET_METADATA_NS))
			continue;
		m = xmlGetNoNsProp(n, (const xmlChar *)"manage");
		r = kvmnet_manage_value((const char *)m);
		xmlFree(m);
		return r;
	}
	return 1;
}

/* "52:54:00:12:34:56 at 0000:01:10.0" */
static int describe_member(xmlNode *iface, char **list)
{
	static const char *const part[4] = { "domain", "bus", "slot", "function" };
	xmlNode *m = elem_child(iface, "mac"), *a = elem_child(elem_child(iface, "source"), "address");
	xmlChar *mac = m ? xmlGetNoNsProp(m, (const xmlChar *)"address") : NULL;
	unsigned long v[4] = { 0 };
	int r;

	for (size_t k = 0; a && k < 4; k++) {
		xmlChar *p = xmlGetNoNsProp(a, (const xmlChar *)part[k]);

		v[k] = p ? strtoul((const char *)p, NULL, 16) : 0;
		xmlFree(p);
	}
	r = strextendf_sep(list, ", ", "%.17s at %04lx:%02lx:%02lx.%lx", mac ? (const char *)mac : "(no MAC)",
			   v[0] & 0xffff, v[1] & 0xff, v[2] & 0x1f, v[3] & 7);
	xmlFree(mac);
	return r;
}

static int count_members(xmlNode *devs, char **ret_list)
{
	_cleanup_free_ char *list = NULL;
	int n = 0, r;

	for (xmlNode *k = devs ? devs->children : NULL; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE || !streq((const char *)k->name, "interface") ||
		    !prop_is(k, "type", "hostdev") || !prop_is(elem_child(k, "teaming"), "type", "transient"))
			continue;
		r = describe_member(k, &list);
		if (r < 0)
			return r;
		n++;
	}
	if (n > 0)
		*ret_list = TAKE_PTR(list);
	return n;
}

int carried_vfs(const char *xml, char **ret_list, bool *ret_unknown, char **ret_error)
{
	size_t len = strlen(xml);
	xmlDoc *doc;
	xmlNode *root;
	int r;

	if (len > DOMAIN_XML_MAX)
		return -EFBIG;
	domain_xml_silence();
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !streq((const char *)root->name, "domain")) {
		xmlFreeDoc(doc);
		return error_setf(ret_error, -EINVAL, "the domain XML does not parse");
	}
	r = doc_managed(root);
	if (ret_unknown)
		*ret_unknown = r == -EBADMSG;
	if (r != 0)
		r = count_members(elem_child(root, "devices"), ret_list);
	xmlFreeDoc(doc);
	return r;
}
