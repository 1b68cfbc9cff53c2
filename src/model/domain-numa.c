/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "basic/macro.h"
#include "model/domain-numa.h"

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *k = n ? n->children : NULL; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, name) == 0)
			return k;
	return NULL;
}

/* NULL when absent. */
static int attr_dup(const xmlNode *n, const char *name, char **ret)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);

	*ret = NULL;
	if (!v)
		return 0;
	*ret = strdup((const char *)v);
	xmlFree(v);
	return *ret ? 0 : -ENOMEM;
}

/* <numatune><memory nodeset=>; placement='auto' (numad) names none. */
static int parse_numatune(const xmlNode *root, DomainDef *d, char **ret_error)
{
	_cleanup_free_ char *v = NULL;
	const xmlNode *mem = child(child(root, "numatune"), "memory");
	int r;

	if (!mem)
		return 0;
	r = attr_dup(mem, "nodeset", &v);
	if (r < 0 || !v)
		return r;
	if (libvirt_cpuset_parse(v, &d->numatune_nodes) < 0) {
		if (asprintf(ret_error, "line %ld: <memory nodeset='%.64s'>: expected a node set like 0-1,^0",
			     xmlGetLineNo(mem), v) < 0)
			return -ENOMEM;
		return -EINVAL;
	}
	d->has_numatune = true;
	return 0;
}

int domain_numa_parse(const xmlNode *root, DomainDef *d, char **ret_error)
{
	int r = parse_numatune(root, d, ret_error);

	if (r < 0)
		return r;
	/* kept as written: the daemon judges it, so that a bad value makes
	 * only kvmnetd's view of this VM unknown, not its whole XML */
	for (const xmlNode *n = child(root, "metadata") ? child(root, "metadata")->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "domain") == 0 && n->ns &&
		    n->ns->href && strcmp((const char *)n->ns->href, KVMNET_METADATA_NS) == 0)
			return attr_dup(n, "numa", &d->kvmnet_numa);
	return 0;
}

/* Fold node into *at: -2 nothing yet, -1 more than one. */
static void fold(int *at, int node)
{
	if (*at == -2)
		*at = node;
	else if (*at != node)
		*at = -1;
}

static int node_of_cpu(unsigned cpu, const CpuSet *node_cpus, unsigned n_nodes)
{
	for (unsigned n = 0; n < n_nodes; n++)
		if (cpuset_isset(&node_cpus[n], cpu))
			return (int)n;
	return -1;
}

int domain_numa_node(const DomainDef *d, const CpuSet *node_cpus, unsigned n_nodes)
{
	int at = -2;

	if (d->has_numatune)
		CPUSET_FOREACH(n, &d->numatune_nodes)
			fold(&at, n);
	for (size_t i = 0; i < d->n_vcpupins; i++)
		CPUSET_FOREACH(cpu, &d->vcpupins[i].cpus)
			fold(&at, node_of_cpu((unsigned)cpu, node_cpus, n_nodes));
	return at < 0 ? -1 : at;
}
