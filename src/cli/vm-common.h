/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "core/advise.h"
#include "virt/domains.h"
#include "model/domain-edit.h"
#include "model/domain-xml.h"
#include "libvirt-job.h"
#include "virt/virt-conn.h"

/* Helpers shared by the `vm` and `bench` subcommands. */

/* What a vm subcommand asks libvirt about one domain, in one job
 * (libvirt-job.h): the job's payload, gone after a step timed out. */
typedef struct VmJob {
	const char *name;   /* as given: argv, which outlives the job's thread */
	unsigned xml_flags; /* virDomainXMLFlags: VIR_DOMAIN_XML_INACTIVE for the definition */
	DomainDef *def;	    /* vm_step_get */
	char *xml;	    /* vm_step_get: the XML text itself */
	int running;	    /* vm_step_get: virDomainIsActive(), 1, 0 or -1 */
	char *new_xml;	    /* for vm_step_define, set by the caller */
} VmJob;

/* A job at cli.uri (with --timeout) about domain name; prints its error.
 * *ret_vm is the job's payload. */
int vm_job_new(const char *cmd, const char *name, VirtConnFlags flags, unsigned xml_flags, VirtJob **ret_job,
	       VmJob **ret_vm);
/* The domain's XML, parsed, and whether it runs.  -ENOENT for no such
 * domain. */
int vm_step_get(virConnectPtr c, void *payload, char **ret_error);
/* virDomainDefineXML(new_xml); the error says "NAME: libvirt refused the
 * new definition: ...". */
int vm_step_define(virConnectPtr c, void *payload, char **ret_error);
/* Define new_xml within --timeout, printing the outcome's error; on a
 * timeout it says that whether the definition changed is unknown. */
int vm_define(const char *cmd, VirtJob *j, VmJob *v);

/* The persistent definition xml after edits, and the unified diff from
 * the old one, labelled "NAME (persistent definition)" and "NAME (after
 * kvmnetctl CMD)"; *ret_diff is "" when nothing changes.  Prints its
 * error as "kvmnetctl CMD: NAME: ...". */
int cli_edit_diff(const char *cmd, const char *name, const char *xml, const IfaceEdit *edits, size_t n_edits,
		  char **ret_xml, char **ret_diff);

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
 * (none in holders, libvirt's running domains' PCI functions, and on
 * vfio-pci or no driver), and kvmnetd's view.  What cannot be read is left
 * unknown: SR-IOV too when holders is NULL (libvirt did not say). */
void cli_facts_read(const PciHolderMap *holders, bool vf_override, CliFacts *ret);
/* The facts for one domain: whether kvmnetd's view has it on a VF
 * (path "vf"), and if not, why.  The note lives until the next call. */
void cli_facts_for(CliFacts *f, const DomainDef *d, HostFacts *ret);
void cli_facts_done(CliFacts *f);
/* The domain's entry in kvmnetd's view, or NULL. */
json_object *cli_facts_daemon_vm(const CliFacts *f, const DomainDef *d);

#define IFACE_LABEL_MAX 64
/* The alias if libvirt gave one, else the MAC, else "#N". */
const char *iface_label(const DomainIface *i, size_t idx, char buf[static IFACE_LABEL_MAX]);
/* "default (virbr0)", "br0", "eth0 (macvtap bridge)", "0000:03:10.2", "-".
 * Malloc'd. */
char *iface_source(const DomainIface *i);
/* "vhost", "qemu", "vhost (default)", "qemu (no vhost-net)", "vfio", "-". */
const char *iface_backend(const DomainIface *i, const HostFacts *h);
