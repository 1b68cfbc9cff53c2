/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "basic/cpuset.h"
#include "model/domain-xml.h"

/*
 * The NUMA side of a domain XML: where its memory is bound
 * (<numatune><memory nodeset=>), the numa= of kvmnet's own metadata
 * (<metadata><kvmnet:domain numa=...>), and from those and its <vcpupin>s
 * the one node the VM is on.  Pure: the host's node CPU lists come in.
 */

struct _xmlNode;

/* Fills DomainDef.has_numatune, .numatune_nodes and .kvmnet_numa from the
 * <domain> element; domain_xml_parse() calls it.  -EINVAL with *ret_error
 * ("line 9: <memory nodeset='x'>: expected ...") for a nodeset that does
 * not parse, -ENOMEM. */
int domain_numa_parse(const struct _xmlNode *root, DomainDef *d, char **ret_error);

/* The node of the VM: the one node that its memory binding and the CPUs
 * its pinned vCPUs may run on all name (node_cpus[n]: node n's CPUs, for
 * n < n_nodes).  -1, "any", when nothing pins it, when a binding spans
 * nodes or they disagree, or when a pinned CPU is on no node listed. */
int domain_numa_node(const DomainDef *d, const CpuSet *node_cpus, unsigned n_nodes);
