/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/parse-util.h"
#include "basic/strv.h"
#include "domains.h"
#include "virt-conn.h"

void domain_list_free(DomainList *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		domain_def_free(l->defs[i]);
	for (size_t i = 0; i < l->n_unread; i++) {
		free(l->unread[i].name);
		free(l->unread[i].uuid);
		free(l->unread[i].error);
	}
	free(l->unread);
	free(l->defs);
	free(l);
}

/* libvirt's error for a parse failure of its own XML: say what it was. */
static int parse_error(const char *what, int r, const char *msg, char **ret_error)
{
	if (ret_error && asprintf(ret_error, "%s: unexpected domain XML: %s", what,
				  msg ? msg : strerror(-r)) < 0)
		*ret_error = NULL;
	return r;
}

static int domain_parse(virDomainPtr dom, unsigned flags, DomainDef **ret_def, char **ret_xml, char **ret_error)
{
	_cleanup_free_ char *xml = virDomainGetXMLDesc(dom, flags), *msg = NULL;
	int r;

	if (!xml)
		return virt_error_take(ret_error);
	r = domain_xml_parse(xml, strlen(xml), ret_def, &msg);
	if (r < 0)
		return parse_error(virDomainGetName(dom), r, msg, ret_error);
	if (ret_xml)
		*ret_xml = TAKE_PTR(xml);
	return 0;
}

static int cmp_def_name(const void *a, const void *b)
{
	return strcmp((*(DomainDef *const *)a)->name, (*(DomainDef *const *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int virt_domain_names(virConnectPtr c, char ***ret, char **ret_error)
{
	_cleanup_strv_free_ char **names = NULL;
	virDomainPtr *doms = NULL;
	int n, r = 0;

	n = virConnectListAllDomains(c, &doms, 0);
	if (n < 0)
		return virt_error_take(ret_error);
	names = calloc(1, sizeof(char *));
	if (!names)
		r = -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (r >= 0)
			r = strv_extend(&names, virDomainGetName(doms[i]));
		virDomainFree(doms[i]);
	}
	free(doms);
	if (r < 0)
		return r;
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	*ret = TAKE_PTR(names);
	return 0;
}

/* A domain whose XML failed: kept as unread with the message. */
static int add_unread(DomainList *l, virDomainPtr dom, char **error)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	DomainUnread *u = &l->unread[l->n_unread];
	const char *name = virDomainGetName(dom);

	*u = (DomainUnread){ .name = strdup(name ? name : "?"), .id = (int)virDomainGetID(dom),
			     .error = *error ? *error : strdup("unknown libvirt error") };
	*error = NULL;
	if (virDomainGetUUIDString(dom, uuid) == 0)
		u->uuid = strdup(uuid);
	else
		virResetLastError();
	l->n_unread++;
	return u->name && u->error ? 0 : -ENOMEM;
}

/* One listed domain into l: parsed, left out (it stopped since the
 * listing), or, when partial, kept as unread. */
static int collect(DomainList *l, virDomainPtr dom, bool partial, char **ret_error)
{
	_cleanup_free_ char *err = NULL;
	int r;

	r = domain_parse(dom, 0, &l->defs[l->n], NULL, partial ? &err : ret_error);
	if (r >= 0) {
		l->n++;
		return 0;
	}
	if ((r == -ENOENT || r == -EINVAL) && virDomainIsActive(dom) != 1) {
		/* It stopped (or went away) since the listing: not running,
		 * so not ours to report. */
		if (ret_error && !partial) {
			free(*ret_error);
			*ret_error = NULL;
		}
		virResetLastError();
		return 0;
	}
	return partial && r != -ENOMEM ? add_unread(l, dom, &err) : r;
}

static int domains_running(virConnectPtr c, bool partial, DomainList **ret, char **ret_error)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	virDomainPtr *doms = NULL;
	int n, r = 0;

	n = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0)
		return virt_error_take(ret_error);
	l = calloc(1, sizeof(*l));
	if (l) {
		l->defs = calloc((size_t)n + 1, sizeof(DomainDef *));
		l->unread = calloc((size_t)n + 1, sizeof(DomainUnread));
	}
	if (!l || !l->defs || !l->unread)
		r = -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (r >= 0)
			r = collect(l, doms[i], partial, ret_error);
		virDomainFree(doms[i]);
	}
	free(doms);
	if (r < 0)
		return r;
	qsort(l->defs, l->n, sizeof(DomainDef *), cmp_def_name);
	*ret = TAKE_PTR(l);
	return 0;
}

int virt_domains_running(virConnectPtr c, DomainList **ret, char **ret_error)
{
	return domains_running(c, false, ret, ret_error);
}

int virt_domains_running_partial(virConnectPtr c, DomainList **ret, char **ret_error)
{
	return domains_running(c, true, ret, ret_error);
}

static virDomainPtr lookup(virConnectPtr c, const char *name)
{
	virDomainPtr d;
	int id;

	d = virDomainLookupByName(c, name);
	if (d)
		return d;
	virResetLastError();
	d = virDomainLookupByUUIDString(c, name);
	if (d)
		return d;
	virResetLastError();
	if (parse_int(name, &id) >= 0 && id >= 0) {
		d = virDomainLookupByID(c, id);
		if (d)
			return d;
		virResetLastError();
	}
	return NULL;
}

int virt_domain_get(virConnectPtr c, const char *name, unsigned flags, DomainDef **ret_def, char **ret_xml,
		    virDomainPtr *ret_dom, char **ret_error)
{
	_cleanup_free_ char *xml = NULL;
	DomainDef *def = NULL;
	virDomainPtr d;
	int r;

	d = lookup(c, name);
	if (!d) {
		if (ret_error && asprintf(ret_error, "no domain with name, UUID or id '%s'", name) < 0)
			*ret_error = NULL;
		return -ENOENT;
	}
	r = domain_parse(d, flags, &def, &xml, ret_error);
	if (r < 0) {
		virDomainFree(d);
		return r;
	}
	*ret_def = def;
	if (ret_xml)
		*ret_xml = TAKE_PTR(xml);
	if (ret_dom)
		*ret_dom = d;
	else
		virDomainFree(d);
	return 0;
}

void pci_holders_free(PciHolderMap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].domain);
		free(m->items[i].alias);
	}
	free(m->items);
	free(m);
}

static int pci_cmp(const PciAddr *a, const PciAddr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	return (int)a->function - (int)b->function;
}

static int cmp_holder(const void *a, const void *b)
{
	const PciHolder *x = a, *y = b;
	int r = pci_cmp(&x->addr, &y->addr);

	return r ? r : strcmp(x->domain, y->domain);
}

static int holder_add(PciHolderMap *m, const PciAddr *addr, const char *domain, const char *alias, bool interface)
{
	PciHolder *h, *items = realloc(m->items, (m->n + 1) * sizeof(PciHolder));

	if (!items)
		return -ENOMEM;
	m->items = items;
	h = &m->items[m->n];
	*h = (PciHolder){ .addr = *addr, .interface = interface };
	h->domain = strdup(domain);
	h->alias = alias ? strdup(alias) : NULL;
	m->n++; /* counted now so that a failed strdup is freed with the map */
	if (!h->domain || (alias && !h->alias))
		return -ENOMEM;
	return 0;
}

int pci_holders_build(DomainDef *const *defs, size_t n_defs, PciHolderMap **ret)
{
	_cleanup_pci_holders_ PciHolderMap *m = calloc(1, sizeof(PciHolderMap));
	int r;

	if (!m)
		return -ENOMEM;
	for (size_t d = 0; d < n_defs; d++) {
		const DomainDef *def = defs[d];

		for (size_t i = 0; i < def->n_ifaces; i++) {
			const DomainIface *f = &def->ifaces[i];

			if (f->has_pci_source && (r = holder_add(m, &f->pci_source, def->name, f->alias, true)) < 0)
				return r;
		}
		for (size_t i = 0; i < def->n_hostdevs; i++) {
			const DomainHostdev *h = &def->hostdevs[i];

			if ((r = holder_add(m, &h->addr, def->name, h->alias, false)) < 0)
				return r;
		}
	}
	if (m->n > 0)
		qsort(m->items, m->n, sizeof(PciHolder), cmp_holder);
	*ret = TAKE_PTR(m);
	return 0;
}

const PciHolder *pci_holders_find(const PciHolderMap *m, const PciAddr *addr)
{
	size_t lo = 0, hi = m ? m->n : 0;

	/* Lower bound: the first entry for addr when several domains claim it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pci_cmp(&m->items[mid].addr, addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (m && lo < m->n && pci_addr_equal(&m->items[lo].addr, addr))
		return &m->items[lo];
	return NULL;
}

int virt_pci_holders(virConnectPtr c, PciHolderMap **ret, char **ret_error)
{
	_cleanup_domain_list_ DomainList *l = NULL;
	int r;

	r = virt_domains_running(c, &l, ret_error);
	if (r < 0)
		return r;
	return pci_holders_build(l->defs, l->n, ret);
}
