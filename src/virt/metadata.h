/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

#include "model/domain-xml.h" /* KVMNET_METADATA_NS */

/*
 * A domain opts out of kvmnetd through its libvirt metadata:
 *
 *   <metadata>
 *     <kvmnet:domain xmlns:kvmnet="http://kvmnet.org/xmlns/domain/1.0" manage="no"/>
 *   </metadata>
 *
 * (virsh metadata DOMAIN http://kvmnet.org/xmlns/domain/1.0 --key kvmnet
 *  --set '<domain manage="no"/>').  No element, or manage="yes", means
 * managed.
 */

/* Pure: the element libvirt returns for our namespace.  -EINVAL for XML
 * that does not parse or a manage= other than yes/no. */
int kvmnet_metadata_parse(const char *xml, bool *ret_managed);
/* Asks libvirt for the element of one domain (by UUID string); a domain
 * without it is managed.  -EBADMSG for an element kvmnet_metadata_parse()
 * refuses (manage='Yes': neither an opt-in nor an opt-out, unknown),
 * -ENOENT when the domain is gone or no longer running (libvirt says so:
 * it stopped since the caller listed it), -errno when libvirt fails
 * otherwise. */
int virt_domain_managed(virConnectPtr c, const char *uuid, bool *ret_managed);
/* The same; on -EBADMSG, the element as libvirt gave it in *ret_xml (may
 * be NULL) for the caller's message. */
int virt_domain_metadata(virConnectPtr c, const char *uuid, bool *ret_managed, char **ret_xml);
/* The same; on any failure *ret_cause (if not NULL) is a sentence saying
 * what failed: libvirt's message, or the element that does not parse. */
int virt_domain_managed_why(virConnectPtr c, const char *uuid, bool *ret_managed, char **ret_cause);

/* Pure: the kvmnet element xml (as virDomainGetMetadata() gives it; NULL
 * for none) with manage= set to value, every other attribute and child
 * kept.  -EINVAL when xml does not parse. */
int kvmnet_metadata_with_manage(const char *xml, const char *value, char **ret);
/* The live kvmnet element of domain name: 0 with *ret_xml (NULL when it
 * has none), or a negative errno with libvirt's message. */
int virt_domain_metadata_live(virConnectPtr c, const char *name, char **ret_xml, char **ret_error);
/* Set it in the live domain; NULL removes it. */
int virt_domain_metadata_set_live(virConnectPtr c, const char *name, const char *xml, char **ret_error);
