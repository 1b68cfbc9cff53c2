/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "core/advise.h"
#include "virt/domain-edit.h"
#include "virt/domain-xml.h"
#include "virt/virt-conn.h"

/* Helpers shared by the `vm` and `bench` subcommands. */

/* Connect to cli.uri; on failure print "kvmnetctl CMD: URI: message". */
int cli_virt_open(const char *cmd, VirtConnFlags flags, virConnectPtr *ret);
/* virt_domain_get() that prints its error the same way. */
int cli_domain_get(const char *cmd, virConnectPtr c, const char *name, unsigned flags, DomainDef **ret_def,
		   char **ret_xml, virDomainPtr *ret_dom);
/* Names of every domain (running or not) for --all, sorted. */
int cli_domain_names(const char *cmd, virConnectPtr c, char ***ret);

/* The persistent definition xml after edits, and the unified diff from
 * the old one, labelled "NAME (persistent definition)" and "NAME (after
 * kvmnetctl CMD)"; *ret_diff is "" when nothing changes.  Prints its
 * error as "kvmnetctl CMD: NAME: ...". */
int cli_edit_diff(const char *cmd, const char *name, const char *xml, const IfaceEdit *edits, size_t n_edits,
		  char **ret_xml, char **ret_diff);
/* virDomainDefineXML(); prints libvirt's refusal. */
int cli_define(const char *cmd, virConnectPtr c, const char *name, const char *xml);

/* The cheap facts: /dev/vhost-net (under $KVMNET_SYSROOT); SR-IOV is
 * left unknown (cli_facts_read() observes it); vf_given assumes kvmnetd
 * gives a VF. */
void cli_host_facts(bool vf_given, HostFacts *ret);

/* What `vm advise` observes once for all the domains it advises on. */
typedef struct CliFacts {
	bool vhost_net;
	bool sriov_known; /* PCI functions and libvirt's VF holders were read */
	unsigned sriov_pfs, sriov_vfs, sriov_free_vfs; /* as in HostFacts */
	json_object *daemon; /* status_daemon_fetch() */
	bool vf_override;    /* --vf: assume kvmnetd gives a VF */
	char *note;          /* backs the last HostFacts.daemon_note */
} CliFacts;

/* vhost-net, the SR-IOV PFs with sriov_totalvfs > 0 and their free VFs
 * (none held by a running domain of c, on vfio-pci or no driver), and
 * kvmnetd's view.  What cannot be read is left unknown. */
void cli_facts_read(virConnectPtr c, bool vf_override, CliFacts *ret);
/* The facts for one domain: whether kvmnetd's view has it on a VF
 * (path "vf"), and if not, why.  The note lives until the next call. */
void cli_facts_for(CliFacts *f, const DomainDef *d, HostFacts *ret);
void cli_facts_done(CliFacts *f);

#define IFACE_LABEL_MAX 64
/* The alias if libvirt gave one, else the MAC, else "#N". */
const char *iface_label(const DomainIface *i, size_t idx, char buf[static IFACE_LABEL_MAX]);
/* "default (virbr0)", "br0", "eth0 (macvtap bridge)", "0000:03:10.2", "-".
 * Malloc'd. */
char *iface_source(const DomainIface *i);
/* "vhost", "qemu", "vhost (default)", "qemu (no vhost-net)", "vfio", "-". */
const char *iface_backend(const DomainIface *i, const HostFacts *h);
