/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "basic/macro.h"
#include "model/domain-xml.h"
#include "virt/metadata.h"
#include "virt/virt-conn.h"

/* The element libvirt gives for our namespace, parsed: its root must be
 * <domain>; NULL for anything else. */
static xmlDocPtr read_element(const char *xml)
{
	xmlDocPtr doc;
	xmlNodePtr root;

	if (!xml || strlen(xml) > 65536)
		return NULL;
	domain_xml_silence();
	doc = xmlReadMemory(xml, (int)strlen(xml), "metadata.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !xmlStrEqual(root->name, BAD_CAST "domain")) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

int kvmnet_metadata_parse(const char *xml, bool *ret_managed)
{
	xmlDocPtr doc = read_element(xml);
	xmlChar *manage;
	int r;

	if (!doc)
		return -EINVAL;
	manage = xmlGetProp(xmlDocGetRootElement(doc), BAD_CAST "manage");
	r = kvmnet_manage_value((const char *)manage);
	if (r >= 0)
		*ret_managed = r;
	xmlFree(manage);
	xmlFreeDoc(doc);
	return r < 0 ? -EINVAL : 0;
}

int virt_domain_managed(virConnectPtr c, const char *uuid, bool *ret_managed)
{
	return virt_domain_metadata(c, uuid, ret_managed, NULL);
}

/* ret_xml: the element refused (-EBADMSG); ret_msg: libvirt's message. */
static int metadata_read(virConnectPtr c, const char *uuid, bool *ret_managed, char **ret_xml, char **ret_msg)
{
	_cleanup_free_ char *xml = NULL;
	virDomainPtr d;
	int r;

	d = virDomainLookupByUUIDString(c, uuid);
	if (!d)
		return virt_error_take(ret_msg);
	xml = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE);
	if (!xml) {
		virErrorPtr e = virGetLastError();

		r = e && e->code == VIR_ERR_NO_DOMAIN_METADATA ? 0 : -EIO;
		if (r < 0 && ret_msg)
			*ret_msg = strdup(e && e->message ? e->message : "unknown libvirt error");
		virResetLastError();
		/* A live read of a domain that stopped since the listing
		 * fails; only libvirt saying it is inactive makes it gone. */
		if (r < 0 && virDomainIsActive(d) == 0)
			r = -ENOENT;
		virResetLastError();
		virDomainFree(d);
		if (r == 0)
			*ret_managed = true;
		return r;
	}
	virDomainFree(d);
	/* Neither managed nor opted out ("Yes", "false", bad XML): unknown,
	 * for the caller to say so and to leave the VM alone meanwhile. */
	if (kvmnet_metadata_parse(xml, ret_managed) < 0) {
		if (ret_xml)
			*ret_xml = TAKE_PTR(xml);
		return -EBADMSG;
	}
	return 0;
}

int virt_domain_metadata(virConnectPtr c, const char *uuid, bool *ret_managed, char **ret_xml)
{
	return metadata_read(c, uuid, ret_managed, ret_xml, NULL);
}

int virt_domain_managed_why(virConnectPtr c, const char *uuid, bool *ret_managed, char **ret_cause)
{
	_cleanup_free_ char *xml = NULL, *msg = NULL;
	int r = metadata_read(c, uuid, ret_managed, &xml, &msg);

	if (r >= 0 || !ret_cause)
		return r;
	/* The guest's owner wrote the element: no control characters. */
	for (char *p = xml; p && *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	if (r == -EBADMSG ? asprintf(ret_cause, "kvmnet metadata %.200s is neither manage=\"yes\" nor manage=\"no\"",
				     xml ? xml : "?") < 0
			  : asprintf(ret_cause, "kvmnet metadata unreadable: %s", msg ? msg : strerror(-r)) < 0)
		*ret_cause = NULL;
	return r;
}

int kvmnet_metadata_with_manage(const char *xml, const char *value, char **ret)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlBufferPtr b;
	int r = -ENOMEM;

	if (!xml)
		return asprintf(ret, "<domain manage=\"%s\"/>", value) < 0 ? -ENOMEM : 0;
	doc = read_element(xml);
	if (!doc)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	b = xmlBufferCreate();
	if (b && xmlSetProp(root, BAD_CAST "manage", BAD_CAST value) && xmlNodeDump(b, doc, root, 0, 0) >= 0)
		r = (*ret = strndup((const char *)xmlBufferContent(b), (size_t)xmlBufferLength(b))) ? 0 : -ENOMEM;
	xmlBufferFree(b);
	xmlFreeDoc(doc);
	return r;
}

int virt_domain_metadata_live(virConnectPtr c, const char *name, char **ret_xml, char **ret_error)
{
	virDomainPtr d = virDomainLookupByName(c, name);
	char *xml;

	if (!d)
		return virt_error_take(ret_error);
	xml = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE);
	if (!xml) {
		virErrorPtr e = virGetLastError();

		if (!e || e->code != VIR_ERR_NO_DOMAIN_METADATA) {
			int r = virt_error_take(ret_error);

			virDomainFree(d);
			return r;
		}
		virResetLastError();
	}
	virDomainFree(d);
	*ret_xml = xml;
	return 0;
}

int virt_domain_metadata_set_live(virConnectPtr c, const char *name, const char *xml, char **ret_error)
{
	virDomainPtr d = virDomainLookupByName(c, name);
	int r = 0;

	if (!d)
		return virt_error_take(ret_error);
	if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, xml, xml ? "kvmnet" : NULL, KVMNET_METADATA_NS,
				 VIR_DOMAIN_AFFECT_LIVE) < 0)
		r = virt_error_take(ret_error);
	virDomainFree(d);
	return r;
}
