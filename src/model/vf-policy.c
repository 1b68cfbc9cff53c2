/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "model/domain-xml.h"
#include "model/vf-policy.h"

static int bad(char **ret_error, const char *attr, const char *value, const char *expected)
{
	/* The guest's owner wrote the value: no control characters, bounded. */
	char v[65];
	size_t i;

	for (i = 0; value && value[i] && i < sizeof(v) - 1; i++)
		v[i] = (unsigned char)value[i] < 0x20 || value[i] == 0x7f ? ' ' : value[i];
	v[i] = 0;
	if (ret_error && asprintf(ret_error, "<vf %s=\"%s\">: expected %s", attr, v, expected) < 0)
		*ret_error = NULL;
	return -EINVAL;
}

static int on_off(const char *attr, const char *v, bool *ret, char **ret_error)
{
	if (streq(v, "on") || streq(v, "off")) {
		*ret = streq(v, "on");
		return 0;
	}
	return bad(ret_error, attr, v, "on or off");
}

static int number(const char *attr, const char *v, uint32_t max, uint32_t *ret, char **ret_error)
{
	uint32_t n;
	char what[64];

	if (parse_u32(v, &n) < 0 || n > max) {
		snprintf(what, sizeof(what), "a decimal number from 0 to %u", max);
		return bad(ret_error, attr, v, what);
	}
	*ret = n;
	return 0;
}

/* One attribute of <vf> into c. */
static int attr_one(VfConfig *c, const char *name, const char *v, char **ret_error)
{
	uint32_t n;
	int r;

	if (streq(name, "vlan") || streq(name, "qos")) {
		r = number(name, v, streq(name, "vlan") ? 4094 : 7, &n, ret_error);
		if (r < 0)
			return r;
		c->mask |= VF_ATTR_BIT(VF_ATTR_VLAN);
		if (streq(name, "vlan"))
			c->vlan = (uint16_t)n;
		else
			c->qos = (uint8_t)n;
		return 0;
	}
	if (streq(name, "spoofchk") || streq(name, "trust")) {
		bool b;
		bool spoof = streq(name, "spoofchk");

		r = on_off(name, v, &b, ret_error);
		if (r < 0)
			return r;
		c->mask |= VF_ATTR_BIT(spoof ? VF_ATTR_SPOOFCHK : VF_ATTR_TRUST);
		*(spoof ? &c->spoofchk : &c->trust) = b;
		return 0;
	}
	if (streq(name, "link-state")) {
		if (vf_link_state_from_string(v, &c->link_state) < 0)
			return bad(ret_error, name, v, "auto, enable or disable");
		c->mask |= VF_ATTR_BIT(VF_ATTR_LINK_STATE);
		return 0;
	}
	if (streq(name, "max-rate") || streq(name, "min-rate")) {
		bool max = streq(name, "max-rate");

		r = number(name, v, UINT32_MAX, max ? &c->max_rate : &c->min_rate, ret_error);
		if (r < 0)
			return r;
		c->mask |= VF_ATTR_BIT(max ? VF_ATTR_MAX_RATE : VF_ATTR_MIN_RATE);
		return 0;
	}
	return bad(ret_error, name, v,
		   "no such attribute: vlan, qos, spoofchk, trust, link-state, max-rate or min-rate");
}

/* Rules across attributes, once all are read. */
static int check_whole(const VfConfig *c, bool has_vlan, bool has_qos, char **ret_error)
{
	char v[16];

	if (has_qos && !has_vlan) {
		snprintf(v, sizeof(v), "%u", c->qos);
		return bad(ret_error, "qos", v, "a vlan= beside it (the priority goes in the VLAN tag)");
	}
	if (has_qos && c->vlan == 0 && c->qos != 0) {
		snprintf(v, sizeof(v), "%u", c->qos);
		return bad(ret_error, "qos", v, "a vlan= other than 0 (untagged frames carry no priority)");
	}
	if ((c->mask & VF_ATTR_BIT(VF_ATTR_MIN_RATE)) && c->min_rate > 0 &&
	    (c->mask & VF_ATTR_BIT(VF_ATTR_MAX_RATE)) && c->max_rate > 0 && c->min_rate > c->max_rate) {
		snprintf(v, sizeof(v), "%u", c->min_rate);
		return bad(ret_error, "min-rate", v, "at most max-rate");
	}
	return 0;
}

static int parse_vf(xmlNodePtr vf, VfConfig *ret, char **ret_error)
{
	VfConfig c = {};
	bool has_vlan = false, has_qos = false;

	for (xmlAttrPtr a = vf->properties; a; a = a->next) {
		xmlChar *v = xmlNodeListGetString(vf->doc, a->children, 1);
		int r = attr_one(&c, (const char *)a->name, v ? (const char *)v : "", ret_error);

		has_vlan |= xmlStrEqual(a->name, BAD_CAST "vlan");
		has_qos |= xmlStrEqual(a->name, BAD_CAST "qos");
		xmlFree(v);
		if (r < 0)
			return r;
	}
	if (check_whole(&c, has_vlan, has_qos, ret_error) < 0)
		return -EINVAL;
	*ret = c;
	return 0;
}

static int fail_msg(char **ret_error, const char *msg)
{
	if (ret_error)
		*ret_error = strdup(msg);
	return -EINVAL;
}

int vf_policy_parse(const char *xml, VfConfig *ret, char **ret_error)
{
	xmlDocPtr doc;
	xmlNodePtr root, vf = NULL;
	VfConfig c = {};
	int r = 0;

	if (!xml || strlen(xml) > 65536)
		return fail_msg(ret_error, "the kvmnet metadata is missing or longer than 64 KiB");
	domain_xml_silence();
	doc = xmlReadMemory(xml, (int)strlen(xml), "metadata.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return fail_msg(ret_error, "the kvmnet metadata is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root ? root->children : NULL; n && r == 0; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "vf"))
			continue;
		if (vf)
			r = fail_msg(ret_error, "two <vf> elements: expected at most one");
		vf = n;
	}
	if (r == 0 && vf)
		r = parse_vf(vf, &c, ret_error);
	xmlFreeDoc(doc);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

int vf_policy_format(const VfConfig *c, char **ret)
{
	char buf[256] = "", *p = buf;
	size_t left = sizeof(buf);

#define ADD(...)                                                                                   \
	do {                                                                                       \
		int _n = snprintf(p, left, "%s", p == buf ? "" : ", ");                            \
		p += _n, left -= (size_t)_n;                                                       \
		_n = snprintf(p, left, __VA_ARGS__);                                               \
		p += _n, left -= (size_t)_n;                                                       \
	} while (0)
	if (c->mask & VF_ATTR_BIT(VF_ATTR_VLAN))
		ADD("vlan %u qos %u", c->vlan, c->qos);
	if (c->mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK))
		ADD("spoofchk %s", c->spoofchk ? "on" : "off");
	if (c->mask & VF_ATTR_BIT(VF_ATTR_TRUST))
		ADD("trust %s", c->trust ? "on" : "off");
	if (c->mask & VF_ATTR_BIT(VF_ATTR_LINK_STATE))
		ADD("link-state %s", vf_link_state_to_string(c->link_state));
	if (c->mask & VF_ATTR_BIT(VF_ATTR_MAX_RATE))
		ADD("max-rate %u", c->max_rate);
	if (c->mask & VF_ATTR_BIT(VF_ATTR_MIN_RATE))
		ADD("min-rate %u", c->min_rate);
#undef ADD
	*ret = strdup(p == buf ? "none" : buf);
	return *ret ? 0 : -ENOMEM;
}
