/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Changes to the <interface> elements of a domain XML, with libxml2 only
 * (string in, string out): what `kvmnetctl vm apply` hands to
 * virDomainDefineXML().  Elements and attributes it does not touch are
 * kept as they are. */

/* What to do with <teaming> (libvirt's failover pair, QEMU failover=on). */
typedef enum IfaceTeamingEdit {
	IFACE_TEAMING_LEAVE = 0,
	IFACE_TEAMING_PERSISTENT, /* <teaming type='persistent'/>: the virtio member */
	IFACE_TEAMING_REMOVE,	  /* no <teaming> */
} IfaceTeamingEdit;

/* The prefix of the user aliases `kvmnetctl vm team` makes (libvirt
 * requires user aliases to start with "ua-"); --remove drops only those. */
#define KVMNET_ALIAS_PREFIX "ua-kvmnet-"

typedef struct IfaceEdit {
	size_t index;            /* the index-th <interface> of <devices> */
	const char *mac;         /* if not NULL, that interface must have it */
	const char *model;       /* <model type=>; NULL: leave */
	const char *driver_name; /* <driver name=>; NULL: leave the driver */
	unsigned queues;         /* with driver_name: queues=, 0 removes it */
	bool drop_driver;        /* remove <driver> (for a non-virtio model) */
	IfaceTeamingEdit teaming;
	const char *alias;       /* <alias name=>; NULL: leave */
	bool drop_alias;         /* remove <alias> */
} IfaceEdit;

/* Apply edits to xml.  The output, and that of domain_xml_normalize(), is
 * the document as it came, every text node (whitespace included) kept byte
 * for byte: libvirt takes <name>, <description> and other tools' metadata
 * as their text, markup in them or not.  New elements are indented like
 * the element before them, so a line diff of the two shows only the
 * changes.  -EINVAL (message in ret_error) if xml does not parse or an
 * edit names an interface that is not there or has another MAC. */
int domain_xml_edit_ifaces(const char *xml, const IfaceEdit *edits, size_t n_edits, char **ret_xml,
			   char **ret_error);
int domain_xml_normalize(const char *xml, char **ret_xml, char **ret_error);
