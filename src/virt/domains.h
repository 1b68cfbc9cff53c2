/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "model/domain-xml.h"

/* Domains as libvirt reports them, parsed.  Every function taking a
 * connection reports libvirt's error through ret_error (malloc'd, may be
 * NULL) like virt_conn_open(). */

/* An active domain whose live XML could not be read or parsed. */
typedef struct DomainUnread {
	char *name, *uuid; /* from the listing; uuid NULL if libvirt gave none */
	int id;
	char *error;	   /* libvirt's message, or what did not parse */
} DomainUnread;

typedef struct DomainList {
	DomainDef **defs; /* sorted by name */
	size_t n;
	DomainUnread *unread; /* virt_domains_running_partial() only */
	size_t n_unread;
} DomainList;

void domain_list_free(DomainList *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(DomainList *, domain_list_free)
#define _cleanup_domain_list_ _cleanup_(domain_list_freep)

/* Every active (running or paused) domain, from its live XML.  A domain
 * that stops between the listing and the XML read is left out. */
int virt_domains_running(virConnectPtr c, DomainList **ret, char **ret_error);
/* The same, but a domain whose XML cannot be read or parsed is listed in
 * unread rather than failing the whole list: its holdings are unknown,
 * and the caller says so.  Only the listing itself fails. */
int virt_domains_running_partial(virConnectPtr c, DomainList **ret, char **ret_error);

/* One domain by name, UUID or numeric id.  flags are virDomainXMLFlags
 * (VIR_DOMAIN_XML_INACTIVE for the persistent definition).  ret_xml, if not
 * NULL, gets the XML text itself; ret_dom, if not NULL, a reference the
 * caller frees with virDomainFree().  -ENOENT when there is no such domain. */
int virt_domain_get(virConnectPtr c, const char *name, unsigned flags, DomainDef **ret_def, char **ret_xml,
		    virDomainPtr *ret_dom, char **ret_error);

/* The names of every domain, running or not, sorted: --all's list. */
int virt_domain_names(virConnectPtr c, char ***ret, char **ret_error);

/* Who holds which host PCI function: <interface type='hostdev'> sources
 * and <hostdev type='pci'> addresses of the domains given. */
typedef struct PciHolder {
	PciAddr addr;
	char *domain;   /* the domain's name (a copy: the map outlives the list) */
	char *alias;    /* device alias in the domain, or NULL */
	bool interface; /* <interface type='hostdev'> rather than <hostdev> */
} PciHolder;

typedef struct PciHolderMap {
	PciHolder *items; /* sorted by address, then domain name */
	size_t n;
} PciHolderMap;

/* Pure: no libvirt call. */
int pci_holders_build(DomainDef *const *defs, size_t n_defs, PciHolderMap **ret);
/* The first holder of addr, or NULL if no domain holds it. */
const PciHolder *pci_holders_find(const PciHolderMap *m, const PciAddr *addr);
void pci_holders_free(PciHolderMap *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(PciHolderMap *, pci_holders_free)
#define _cleanup_pci_holders_ _cleanup_(pci_holders_freep)

/* virt_domains_running() + pci_holders_build(). */
int virt_pci_holders(virConnectPtr c, PciHolderMap **ret, char **ret_error);
