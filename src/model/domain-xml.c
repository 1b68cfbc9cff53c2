/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "basic/parse-util.h"
#include "model/domain-xml.h"
#include "model/domain-numa.h"

/* Bounds on repeated elements, so that a hostile document cannot make the
 * parser allocate without limit (a vcpupin carries a 1 KiB CpuSet). */
#define MAX_ITEMS 4096
#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

typedef struct Ctx {
	char *error;
} Ctx;

static const char *const iface_type_names[_DOMAIN_IFACE_TYPE_MAX] = {
	[DOMAIN_IFACE_OTHER] = "other",
	[DOMAIN_IFACE_NETWORK] = "network",
	[DOMAIN_IFACE_BRIDGE] = "bridge",
	[DOMAIN_IFACE_DIRECT] = "direct",
	[DOMAIN_IFACE_HOSTDEV] = "hostdev",
	[DOMAIN_IFACE_USER] = "user",
	[DOMAIN_IFACE_ETHERNET] = "ethernet",
	[DOMAIN_IFACE_VHOSTUSER] = "vhostuser",
	[DOMAIN_IFACE_VDPA] = "vdpa",
};

const char *domain_iface_type_to_string(DomainIfaceType t)
{
	return t >= 0 && t < _DOMAIN_IFACE_TYPE_MAX ? iface_type_names[t] : NULL;
}

DomainIfaceType domain_iface_type_from_string(const char *s)
{
	for (int t = DOMAIN_IFACE_OTHER + 1; s && t < _DOMAIN_IFACE_TYPE_MAX; t++)
		if (streq(s, iface_type_names[t]))
			return t;
	return DOMAIN_IFACE_OTHER;
}

const char *domain_teaming_to_string(DomainTeaming t)
{
	switch (t) {
	case DOMAIN_TEAMING_PERSISTENT:
		return "persistent";
	case DOMAIN_TEAMING_TRANSIENT:
		return "transient";
	default:
		return "none";
	}
}

_printf_(3, 4) static int fail(Ctx *c, const xmlNode *n, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	if (c->error) /* keep the first, innermost message */
		return -EINVAL;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (n && asprintf(&c->error, "line %ld: %s", xmlGetLineNo(n), msg) < 0)
		return -ENOMEM;
	if (!n)
		c->error = TAKE_PTR(msg);
	return -EINVAL;
}

static bool is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && streq((const char *)n->name, name);
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *k = n->children; k; k = k->next)
		if (is_elem(k, name))
			return k;
	return NULL;
}

/* NULL when absent; libxml2's string converted to a malloc'd one. */
static int attr_dup(const xmlNode *n, const char *name, char **ret)
{
	xmlChar *v;

	*ret = NULL;
	if (!n)
		return 0;
	v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (!v)
		return 0;
	*ret = strdup((const char *)v);
	xmlFree(v);
	return *ret ? 0 : -ENOMEM;
}

/* A child's attribute, e.g. <model type='virtio'/>. */
static int child_attr_dup(const xmlNode *n, const char *elem, const char *name, char **ret)
{
	return attr_dup(child(n, elem), name, ret);
}

/* Unsigned attribute in [0, max]; *present false and 0 returned if absent.
 * Decimal, as libvirt reads these, except where it documents C notation. */
static int attr_u32_as(Ctx *c, const xmlNode *n, const char *name, uint32_t max, bool c_notation, bool *present,
		       uint32_t *ret)
{
	_cleanup_free_ char *v = NULL;
	uint32_t u;
	int r;

	*present = false;
	r = attr_dup(n, name, &v);
	if (r < 0 || !v)
		return r;
	if ((c_notation ? parse_u32_c(v, &u) : parse_u32(v, &u)) < 0 || u > max)
		return fail(c, n, "<%s %s='%s'>: expected a number up to %u", (const char *)n->name, name, v, max);
	*present = true;
	*ret = u;
	return 0;
}

static int attr_u32(Ctx *c, const xmlNode *n, const char *name, uint32_t max, bool *present, uint32_t *ret)
{
	return attr_u32_as(c, n, name, max, false, present, ret);
}

static int text_u32(Ctx *c, const xmlNode *n, uint32_t max, uint32_t *ret)
{
	xmlChar *t = xmlNodeGetContent(n);
	_cleanup_free_ char *s = t ? strdup((const char *)t) : NULL;
	uint32_t u;

	xmlFree(t);
	if (!s)
		return -ENOMEM;
	if (parse_u32(strstrip(s), &u) < 0 || u > max)
		return fail(c, n, "<%s>%s</%s>: expected a number up to %u", (const char *)n->name, s, (const char *)n->name, max);
	*ret = u;
	return 0;
}

int libvirt_cpuset_parse(const char *s, CpuSet *ret)
{
	_cleanup_free_ char *copy = strdup(s);
	char *rest, *tok;
	CpuSet set;

	if (!copy)
		return -ENOMEM;
	cpuset_zero(&set);
	rest = copy;
	/* strsep, not strtok: "1,,2" has an empty item and is refused. */
	while ((tok = strsep(&rest, ","))) {
		CpuSet part;
		uint32_t cpu;

		tok = strstrip(tok);
		if (tok[0] == '^') {
			/* libvirt applies items in order: "^N" clears a single CPU. */
			if (parse_u32(strstrip(tok + 1), &cpu) < 0 || cpu >= CPUSET_MAX)
				return -EINVAL;
			set.bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
			continue;
		}
		if (!*tok || cpuset_parse_list(tok, &part) < 0)
			return -EINVAL;
		for (size_t i = 0; i < ELEMENTSOF(set.bits); i++)
			set.bits[i] |= part.bits[i];
	}
	/* libvirt refuses a cpuset that ends up empty ("", "^1", "0,^0"). */
	if (cpuset_count(&set) == 0)
		return -EINVAL;
	*ret = set;
	return 0;
}

static int attr_cpuset(Ctx *c, const xmlNode *n, CpuSet *ret)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = attr_dup(n, "cpuset", &v);
	if (r < 0)
		return r;
	if (!v)
		return fail(c, n, "<%s>: missing cpuset=", (const char *)n->name);
	if (libvirt_cpuset_parse(v, ret) < 0)
		return fail(c, n, "<%s cpuset='%s'>: expected a cpuset like 0-3,^2", (const char *)n->name, v);
	return 0;
}

/* Make room for one more element of an array of structs. */
static void *grow(void *array, size_t n, size_t elem_size)
{
	void *p;

	if (n >= MAX_ITEMS)
		return NULL;
	p = realloc(array, (n + 1) * elem_size);
	if (p)
		memset((char *)p + n * elem_size, 0, elem_size);
	return p;
}

#define GROW(c, node, array, n, what)                                                  \
	({                                                                             \
		__typeof__(array) _g = grow((array), (n), sizeof(*(array)));           \
		int _r = 0;                                                            \
		if (!_g)                                                               \
			_r = (n) >= MAX_ITEMS ? fail((c), (node), "more than %d %s", \
						      MAX_ITEMS, (what))               \
					      : -ENOMEM;                               \
		else                                                                   \
			(array) = _g;                                                  \
		_r;                                                                    \
	})

/* <address type='pci' domain= bus= slot= function=/>; hostdev sources may
 * omit type.  *found is false when n holds no PCI address. */
static int parse_pci_address(Ctx *c, const xmlNode *n, bool *found, PciAddr *ret)
{
	_cleanup_free_ char *type = NULL;
	uint32_t v[4] = {};
	static const struct {
		const char *name;
		uint32_t max;
	} f[4] = { { "domain", 0xffff }, { "bus", 0xff }, { "slot", 0x1f }, { "function", 7 } };
	int r;

	*found = false;
	if (!n)
		return 0;
	r = attr_dup(n, "type", &type);
	if (r < 0)
		return r;
	if (type && !streq(type, "pci"))
		return 0;
	for (size_t i = 0; i < 4; i++) {
		bool present;

		/* libvirt writes these in hex ('0x01') and reads them in C
		 * notation (virStrToLong_uip, base 0). */
		r = attr_u32_as(c, n, f[i].name, f[i].max, true, &present, &v[i]);
		if (r < 0)
			return r;
		/* libvirt fills in domain 0 itself; the rest are required. */
		if (!present && i > 0)
			return fail(c, n, "<address>: missing %s=", f[i].name);
	}
	*ret = (PciAddr){ .domain = v[0], .bus = (uint8_t)v[1], .slot = (uint8_t)v[2], .function = (uint8_t)v[3] };
	*found = true;
	return 0;
}

static int parse_teaming(Ctx *c, const xmlNode *parent, DomainTeaming *ret, char **ret_persistent)
{
	const xmlNode *t = child(parent, "teaming");
	_cleanup_free_ char *type = NULL;
	int r;

	*ret = DOMAIN_TEAMING_NONE;
	if (!t)
		return 0;
	r = attr_dup(t, "type", &type);
	if (r < 0)
		return r;
	if (type && streq(type, "persistent"))
		*ret = DOMAIN_TEAMING_PERSISTENT;
	else if (type && streq(type, "transient"))
		*ret = DOMAIN_TEAMING_TRANSIENT;
	else
		return fail(c, t, "<teaming type='%s'>: expected persistent or transient", strempty(type));
	return attr_dup(t, "persistent", ret_persistent);
}

static int parse_managed(const xmlNode *n, bool *ret)
{
	_cleanup_free_ char *m = NULL;
	int r = attr_dup(n, "managed", &m);

	*ret = m && streq(m, "yes");
	return r;
}

static int parse_vlan(Ctx *c, const xmlNode *vlan, DomainIface *i)
{
	_cleanup_free_ char *trunk = NULL;
	int r;

	if (!vlan)
		return 0;
	r = attr_dup(vlan, "trunk", &trunk);
	if (r < 0)
		return r;
	i->vlan_trunk = trunk && streq(trunk, "yes");
	for (xmlNode *t = vlan->children; t; t = t->next) {
		uint32_t id;
		bool present;

		if (!is_elem(t, "tag"))
			continue;
		r = attr_u32(c, t, "id", 4095, &present, &id);
		if (r < 0)
			return r;
		if (!present)
			return fail(c, t, "<tag>: missing id=");
		r = GROW(c, t, i->vlan_tags, i->n_vlan_tags, "vlan tags");
		if (r < 0)
			return r;
		i->vlan_tags[i->n_vlan_tags++] = id;
	}
	return 0;
}

static int parse_iface_source(Ctx *c, const xmlNode *src, DomainIface *i)
{
	int r;

	if (!src)
		return 0;
	if ((r = attr_dup(src, "bridge", &i->source_bridge)) < 0 ||
	    (r = attr_dup(src, "network", &i->source_network)) < 0 ||
	    (r = attr_dup(src, "dev", &i->source_dev)) < 0 ||
	    (r = attr_dup(src, "mode", &i->source_mode)) < 0)
		return r;
	if (i->type != DOMAIN_IFACE_HOSTDEV)
		return 0;
	return parse_pci_address(c, child(src, "address"), &i->has_pci_source, &i->pci_source);
}

static int parse_iface_driver(Ctx *c, const xmlNode *drv, DomainIface *i)
{
	bool present;
	int r;

	if (!drv)
		return 0;
	r = attr_dup(drv, "name", &i->driver_name);
	if (r < 0)
		return r;
	/* QEMU's limit is 1024 queue pairs; libvirt passes larger through. */
	return attr_u32(c, drv, "queues", 1024, &present, &i->queues);
}

static int parse_iface(Ctx *c, const xmlNode *n, DomainIface *i)
{
	int r;

	r = attr_dup(n, "type", &i->type_name);
	if (r < 0)
		return r;
	if (!i->type_name)
		return fail(c, n, "<interface>: missing type=");
	i->type = domain_iface_type_from_string(i->type_name);
	if ((r = child_attr_dup(n, "mac", "address", &i->mac)) < 0 ||
	    (r = child_attr_dup(n, "model", "type", &i->model)) < 0 ||
	    (r = child_attr_dup(n, "target", "dev", &i->target_dev)) < 0 ||
	    (r = child_attr_dup(n, "alias", "name", &i->alias)) < 0 ||
	    (r = parse_managed(n, &i->managed)) < 0 ||
	    (r = parse_iface_driver(c, child(n, "driver"), i)) < 0 ||
	    (r = parse_iface_source(c, child(n, "source"), i)) < 0 ||
	    (r = parse_teaming(c, n, &i->teaming, &i->teaming_persistent)) < 0 ||
	    (r = parse_vlan(c, child(n, "vlan"), i)) < 0)
		return r;
	if (i->type == DOMAIN_IFACE_HOSTDEV && !i->has_pci_source)
		return fail(c, n, "<interface type='hostdev'>: missing <source><address type='pci'>");
	return 0;
}

static int parse_hostdev(Ctx *c, const xmlNode *n, DomainDef *d)
{
	_cleanup_free_ char *mode = NULL, *type = NULL;
	const xmlNode *src = child(n, "source");
	DomainHostdev *h;
	bool found;
	int r;

	if ((r = attr_dup(n, "mode", &mode)) < 0 || (r = attr_dup(n, "type", &type)) < 0)
		return r;
	if (!mode || !type || !streq(mode, "subsystem") || !streq(type, "pci"))
		return 0; /* USB, SCSI, mdev...: hold no PCI function of ours */
	r = GROW(c, n, d->hostdevs, d->n_hostdevs, "hostdevs");
	if (r < 0)
		return r;
	h = &d->hostdevs[d->n_hostdevs++];
	if ((r = parse_managed(n, &h->managed)) < 0 ||
	    (r = child_attr_dup(n, "alias", "name", &h->alias)) < 0 ||
	    (r = parse_teaming(c, n, &h->teaming, &h->teaming_persistent)) < 0 ||
	    (r = parse_pci_address(c, src ? child(src, "address") : NULL, &found, &h->addr)) < 0)
		return r;
	if (!found)
		return fail(c, n, "<hostdev type='pci'>: missing <source><address>");
	return 0;
}

static int parse_disk(Ctx *c, const xmlNode *n, DomainDisk *k)
{
	const xmlNode *src = child(n, "source");
	int r;

	if ((r = attr_dup(n, "type", &k->type)) < 0 || (r = attr_dup(n, "device", &k->device)) < 0 ||
	    (r = child_attr_dup(n, "target", "dev", &k->target)) < 0 ||
	    (r = child_attr_dup(n, "target", "bus", &k->bus)) < 0)
		return r;
	if (!src)
		return 0; /* an empty CD-ROM drive */
	if (k->type && streq(k->type, "volume")) {
		_cleanup_free_ char *pool = NULL, *vol = NULL;

		if ((r = attr_dup(src, "pool", &pool)) < 0 || (r = attr_dup(src, "volume", &vol)) < 0)
			return r;
		if (asprintf(&k->source, "%s/%s", strempty(pool), strempty(vol)) < 0) {
			k->source = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	static const char *const keys[] = { "file", "dev", "name", "dir" };
	for (size_t i = 0; i < ELEMENTSOF(keys) && !k->source; i++) {
		r = attr_dup(src, keys[i], &k->source);
		if (r < 0)
			return r;
	}
	return 0;
}

/* <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'
 * state='connected'/>: the live XML says whether the agent is there. */
static int parse_channel(const xmlNode *n, DomainDef *d)
{
	_cleanup_free_ char *type = NULL, *name = NULL, *state = NULL;
	xmlNode *t = child(n, "target");
	int r;

	if ((r = attr_dup(t, "type", &type)) < 0 || (r = attr_dup(t, "name", &name)) < 0 ||
	    (r = attr_dup(t, "state", &state)) < 0)
		return r;
	if (type && name && streq(type, "virtio") && streq(name, "org.qemu.guest_agent.0"))
		d->guest_agent = !state ? DOMAIN_AGENT_CHANNEL
				 : streq(state, "connected") ? DOMAIN_AGENT_CONNECTED
							     : DOMAIN_AGENT_DISCONNECTED;
	return 0;
}

static int parse_memballoon(const xmlNode *n, DomainDef *d)
{
	_cleanup_free_ char *model = NULL, *period = NULL;
	int r;

	if ((r = attr_dup(n, "model", &model)) < 0 || (r = child_attr_dup(n, "stats", "period", &period)) < 0)
		return r;
	d->balloon = !model			     ? DOMAIN_BALLOON_OTHER
		     : streq(model, "none")	     ? DOMAIN_BALLOON_NONE
		     : strneq(model, "virtio", 6) ? DOMAIN_BALLOON_VIRTIO
						     : DOMAIN_BALLOON_OTHER;
	/* A period libvirt would not write is taken as none: display only. */
	if (!period || parse_u32(period, &d->balloon_period) < 0)
		d->balloon_period = 0;
	return 0;
}

static int parse_devices(Ctx *c, const xmlNode *devs, DomainDef *d)
{
	int r = 0;

	for (xmlNode *n = devs ? devs->children : NULL; n && r >= 0; n = n->next) {
		if (is_elem(n, "interface")) {
			r = GROW(c, n, d->ifaces, d->n_ifaces, "interfaces");
			if (r >= 0)
				r = parse_iface(c, n, &d->ifaces[d->n_ifaces++]);
		} else if (is_elem(n, "disk")) {
			r = GROW(c, n, d->disks, d->n_disks, "disks");
			if (r >= 0)
				r = parse_disk(c, n, &d->disks[d->n_disks++]);
		} else if (is_elem(n, "hostdev"))
			r = parse_hostdev(c, n, d);
		else if (is_elem(n, "channel"))
			r = parse_channel(n, d);
		else if (is_elem(n, "memballoon"))
			r = parse_memballoon(n, d);
	}
	return r;
}

static int parse_cputune(Ctx *c, const xmlNode *tune, DomainDef *d)
{
	int r = 0;

	for (xmlNode *n = tune ? tune->children : NULL; n && r >= 0; n = n->next) {
		if (is_elem(n, "emulatorpin")) {
			r = attr_cpuset(c, n, &d->emulatorpin);
			d->has_emulatorpin = r >= 0;
		} else if (is_elem(n, "vcpupin")) {
			DomainVcpuPin *p;
			bool present;

			r = GROW(c, n, d->vcpupins, d->n_vcpupins, "vcpupins");
			if (r < 0)
				break;
			p = &d->vcpupins[d->n_vcpupins++];
			r = attr_u32(c, n, "vcpu", CPUSET_MAX - 1, &present, &p->vcpu);
			if (r >= 0 && !present)
				r = fail(c, n, "<vcpupin>: missing vcpu=");
			if (r >= 0)
				r = attr_cpuset(c, n, &p->cpus);
		}
	}
	return r;
}

/* <metadata><libosinfo:libosinfo xmlns:libosinfo=NS><libosinfo:os id=/>,
 * matched by namespace URI, not by prefix, which is the writer's choice. */
static int parse_osinfo(const xmlNode *meta, DomainDef *d)
{
	for (xmlNode *n = meta ? meta->children : NULL; n; n = n->next) {
		if (!is_elem(n, "libosinfo") || !n->ns || !n->ns->href || !streq((const char *)n->ns->href, LIBOSINFO_NS))
			continue;
		for (xmlNode *os = n->children; os; os = os->next)
			if (is_elem(os, "os")) {
				xmlChar *id = xmlGetNoNsProp(os, (const xmlChar *)"id");

				if (!id)
					continue;
				d->os_id = strdup((const char *)id);
				xmlFree(id);
				return d->os_id ? 0 : -ENOMEM;
			}
	}
	return 0;
}

static int parse_vcpu(Ctx *c, const xmlNode *v, DomainDef *d)
{
	bool present;
	int r;

	/* libvirt's default is one vCPU when <vcpu> is absent. */
	d->vcpus = d->vcpus_current = 1;
	if (!v)
		return 0;
	r = text_u32(c, v, CPUSET_MAX, &d->vcpus);
	if (r < 0)
		return r;
	if (d->vcpus == 0)
		return fail(c, v, "<vcpu>: expected at least 1");
	r = attr_u32(c, v, "current", d->vcpus, &present, &d->vcpus_current);
	if (r < 0)
		return r;
	if (!present || d->vcpus_current == 0)
		d->vcpus_current = d->vcpus;
	return 0;
}

static int parse_domain(Ctx *c, const xmlNode *root, DomainDef *d)
{
	_cleanup_free_ char *id = NULL;
	const xmlNode *name = child(root, "name"), *uuid = child(root, "uuid");
	xmlChar *t;
	int r;

	if (!name)
		return fail(c, root, "<domain>: missing <name>");
	t = xmlNodeGetContent(name);
	d->name = t ? strdup((const char *)t) : NULL;
	xmlFree(t);
	if (!d->name)
		return -ENOMEM;
	if (isempty(d->name))
		return fail(c, name, "<name>: empty");
	if (uuid) {
		t = xmlNodeGetContent(uuid);
		d->uuid = t ? strdup((const char *)t) : NULL;
		xmlFree(t);
		if (!d->uuid)
			return -ENOMEM;
	}
	if ((r = attr_dup(root, "type", &d->virt_type)) < 0 || (r = attr_dup(root, "id", &id)) < 0)
		return r;
	d->id = -1;
	if (id && (parse_int(id, &d->id) < 0 || d->id < -1))
		return fail(c, root, "<domain id='%s'>: expected a number", id);
	if ((r = parse_vcpu(c, child(root, "vcpu"), d)) < 0 ||
	    (r = parse_cputune(c, child(root, "cputune"), d)) < 0 ||
	    (r = parse_osinfo(child(root, "metadata"), d)) < 0 ||
	    (r = domain_numa_parse(root, d, &c->error)) < 0)
		return r;
	return parse_devices(c, child(root, "devices"), d);
}

_printf_(2, 3) static void xml_noop(void *ctx, const char *msg, ...)
{
}

int kvmnet_manage_value(const char *value)
{
	if (!value || streq(value, "yes"))
		return 1;
	return streq(value, "no") ? 0 : -EBADMSG;
}

void domain_xml_silence(void)
{
	/* libxml2 reports some errors (bad encodings) through its generic
	 * handler, which prints to stderr even with XML_PARSE_NOERROR; the
	 * setting is per thread, so every parse sets it again. */
	xmlSetGenericErrorFunc(NULL, xml_noop);
}

static int read_doc(Ctx *c, const char *xml, size_t size, xmlDoc **ret)
{
	xmlParserCtxt *p = xmlNewParserCtxt();
	xmlDoc *doc;

	if (!p)
		return -ENOMEM;
	domain_xml_silence();
	/* No network, no DTD loading, no entity substitution, no output. */
	doc = xmlCtxtReadMemory(p, xml, (int)size, "domain.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(p);
		int r;

		if (e && e->message)
			r = asprintf(&c->error, "line %d: not well-formed XML: %.*s", e->line,
				     (int)strcspn(e->message, "\n"), e->message);
		else
			r = asprintf(&c->error, "not well-formed XML");
		xmlFreeParserCtxt(p);
		return r < 0 ? -ENOMEM : -EINVAL;
	}
	xmlFreeParserCtxt(p);
	/* libvirt never writes a DOCTYPE; refusing one keeps entity tricks
	 * (billion laughs through attribute values) out entirely. */
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return fail(c, NULL, "a DOCTYPE is not allowed in a domain XML");
	}
	*ret = doc;
	return 0;
}

int domain_xml_parse(const char *xml, size_t size, DomainDef **ret, char **ret_error)
{
	_cleanup_domain_def_ DomainDef *d = NULL;
	Ctx c = {};
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int r;

	if (size > DOMAIN_XML_MAX)
		return -EFBIG;
	r = read_doc(&c, xml, size, &doc);
	if (r >= 0) {
		root = xmlDocGetRootElement(doc);
		if (!root || !is_elem(root, "domain"))
			r = fail(&c, root, "root element is not <domain>");
	}
	if (r >= 0) {
		d = calloc(1, sizeof(*d));
		r = d ? parse_domain(&c, root, d) : -ENOMEM;
	}
	xmlFreeDoc(doc);
	if (r < 0) {
		if (r == -EINVAL && ret_error)
			*ret_error = TAKE_PTR(c.error);
		free(c.error);
		return r;
	}
	*ret = TAKE_PTR(d);
	return 0;
}

static void iface_done(DomainIface *i)
{
	free(i->type_name);
	free(i->mac);
	free(i->model);
	free(i->driver_name);
	free(i->source_bridge);
	free(i->source_network);
	free(i->source_dev);
	free(i->source_mode);
	free(i->target_dev);
	free(i->alias);
	free(i->teaming_persistent);
	free(i->vlan_tags);
}

void domain_def_free(DomainDef *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_ifaces; i++)
		iface_done(&d->ifaces[i]);
	for (size_t i = 0; i < d->n_hostdevs; i++) {
		free(d->hostdevs[i].alias);
		free(d->hostdevs[i].teaming_persistent);
	}
	for (size_t i = 0; i < d->n_disks; i++) {
		free(d->disks[i].type);
		free(d->disks[i].device);
		free(d->disks[i].source);
		free(d->disks[i].target);
		free(d->disks[i].bus);
	}
	free(d->ifaces);
	free(d->hostdevs);
	free(d->disks);
	free(d->vcpupins);
	free(d->name);
	free(d->uuid);
	free(d->virt_type);
	free(d->os_id);
	free(d->kvmnet_numa);
	free(d);
}
