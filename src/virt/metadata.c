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

int kvmnet_metadata_parse(const char *xml, bool *ret_managed)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlChar *manage;
	int r = 0;

	if (!xml || strlen(xml) > 65536)
		return -EINVAL;
	domain_xml_silence();
	doc = xmlReadMemory(xml, (int)strlen(xml), "metadata.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	if (!root || !xmlStrEqual(root->name, BAD_CAST "domain")) {
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	manage = xmlGetProp(root, BAD_CAST "manage");
	if (!manage || xmlStrEqual(manage, BAD_CAST "yes"))
		*ret_managed = true;
	else if (xmlStrEqual(manage, BAD_CAST "no"))
		*ret_managed = false;
	else
		r = -EINVAL;
	xmlFree(manage);
	xmlFreeDoc(doc);
	return r;
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
