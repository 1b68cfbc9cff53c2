/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/line-diff.h"
#include "basic/strv.h"
#include "commands.h"
#include "virt/domains.h"
#include "vm-common.h"

int cli_virt_open(const char *cmd, VirtConnFlags flags, virConnectPtr *ret)
{
	_cleanup_free_ char *err = NULL;
	int r;

	r = virt_conn_open(cli.uri, flags, ret, &err);
	if (r < 0)
		fprintf(stderr, "kvmnetctl %s: cannot connect to %s: %s\n", cmd, cli.uri, err ? err : strerror(-r));
	return r;
}

int cli_domain_get(const char *cmd, virConnectPtr c, const char *name, unsigned flags, DomainDef **ret_def,
		   char **ret_xml, virDomainPtr *ret_dom)
{
	_cleanup_free_ char *err = NULL;
	int r;

	r = virt_domain_get(c, name, flags, ret_def, ret_xml, ret_dom, &err);
	if (r < 0)
		fprintf(stderr, "kvmnetctl %s: %s\n", cmd, err ? err : strerror(-r));
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_domain_names(const char *cmd, virConnectPtr c, char ***ret)
{
	_cleanup_strv_free_ char **names = NULL;
	virDomainPtr *doms = NULL;
	int n, r = 0;

	n = virConnectListAllDomains(c, &doms, 0);
	if (n < 0) {
		_cleanup_free_ char *err = NULL;

		r = virt_error_take(&err);
		fprintf(stderr, "kvmnetctl %s: cannot list domains: %s\n", cmd, err ? err : strerror(-r));
		return r;
	}
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

int cli_edit_diff(const char *cmd, const char *name, const char *xml, const IfaceEdit *edits, size_t n_edits,
		  char **ret_xml, char **ret_diff)
{
	_cleanup_free_ char *old = NULL, *new = NULL, *err = NULL, *la = NULL, *lb = NULL;
	int r;

	if ((r = domain_xml_normalize(xml, &old, &err)) < 0 ||
	    (r = domain_xml_edit_ifaces(xml, edits, n_edits, &new, &err)) < 0) {
		fprintf(stderr, "kvmnetctl %s: %s: %s\n", cmd, name, err ? err : strerror(-r));
		return r;
	}
	if (asprintf(&la, "%s (persistent definition)", name) < 0 ||
	    asprintf(&lb, "%s (after kvmnetctl %s)", name, cmd) < 0)
		return -ENOMEM;
	r = line_diff_unified(old, new, la, lb, 3, ret_diff);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl %s: %s: cannot diff: %s\n", cmd, name, strerror(-r));
		return r;
	}
	*ret_xml = TAKE_PTR(new);
	return 0;
}

int cli_define(const char *cmd, virConnectPtr c, const char *name, const char *xml)
{
	_cleanup_free_ char *err = NULL;
	virDomainPtr nd = virDomainDefineXML(c, xml);
	int r;

	if (nd) {
		virDomainFree(nd);
		return 0;
	}
	r = virt_error_take(&err);
	fprintf(stderr, "kvmnetctl %s: %s: libvirt refused the new definition: %s\n", cmd, name, err ? err : "?");
	return r < 0 ? r : -EIO;
}

void cli_host_facts(bool vf_given, HostFacts *ret)
{
	*ret = (HostFacts){
		.vhost_net = access_root("/dev/vhost-net", F_OK) >= 0,
		.sriov_known = vf_given,
		.daemon_gives_vf = vf_given,
	};
}

const char *iface_label(const DomainIface *i, size_t idx, char buf[static IFACE_LABEL_MAX])
{
	if (i->alias)
		snprintf(buf, IFACE_LABEL_MAX, "%s", i->alias);
	else if (i->mac)
		snprintf(buf, IFACE_LABEL_MAX, "%s", i->mac);
	else
		snprintf(buf, IFACE_LABEL_MAX, "#%zu", idx);
	return buf;
}

char *iface_source(const DomainIface *i)
{
	char buf[PCI_ADDR_STRLEN], *s = NULL;
	int r;

	if (i->has_pci_source)
		r = asprintf(&s, "%s", pci_addr_format(&i->pci_source, buf));
	else if (i->source_network && i->source_bridge)
		r = asprintf(&s, "%s (%s)", i->source_network, i->source_bridge);
	else if (i->source_network || i->source_bridge)
		r = asprintf(&s, "%s", i->source_network ? i->source_network : i->source_bridge);
	else if (i->source_dev)
		r = asprintf(&s, "%s (macvtap %s)", i->source_dev, i->source_mode ? i->source_mode : "vepa");
	else
		r = asprintf(&s, "-");
	return r < 0 ? NULL : s;
}

const char *iface_backend(const DomainIface *i, const HostFacts *h)
{
	if (i->type == DOMAIN_IFACE_HOSTDEV)
		return i->driver_name ? i->driver_name : "vfio";
	if (!iface_is_tap(i) || !i->model || !streq(i->model, "virtio"))
		return "-";
	if (i->driver_name)
		return i->driver_name;
	return h->vhost_net ? "vhost (default)" : "qemu (no vhost-net)";
}
