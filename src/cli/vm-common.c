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

static void vm_job_free(void *p)
{
	VmJob *v = p;

	domain_def_free(v->def);
	free(v->xml);
	free(v->new_xml);
	free(v);
}

int vm_job_new(const char *cmd, const char *name, VirtConnFlags flags, unsigned xml_flags, VirtJob **ret_job,
	       VmJob **ret_vm)
{
	VmJob *v = calloc(1, sizeof(*v));
	int r;

	if (!v) {
		fprintf(stderr, "kvmnetctl %s: %s\n", cmd, strerror(ENOMEM));
		return -ENOMEM;
	}
	*v = (VmJob){ .name = name, .xml_flags = xml_flags, .running = -1 };
	r = cli_virt_job(cmd, flags, v, vm_job_free, ret_job);
	if (r < 0)
		return r;
	*ret_vm = v;
	return 0;
}

int vm_step_get(virConnectPtr c, void *payload, char **ret_error)
{
	VmJob *v = payload;
	virDomainPtr dom = NULL;
	int r;

	r = virt_domain_get(c, v->name, v->xml_flags, &v->def, &v->xml, &dom, ret_error);
	if (r < 0)
		return r;
	v->running = virDomainIsActive(dom);
	virDomainFree(dom);
	return 0;
}

int vm_step_define(virConnectPtr c, void *payload, char **ret_error)
{
	_cleanup_free_ char *err = NULL;
	VmJob *v = payload;
	virDomainPtr nd = virDomainDefineXML(c, v->new_xml);
	int r;

	if (nd) {
		virDomainFree(nd);
		return 0;
	}
	r = virt_error_take(&err);
	if (asprintf(ret_error, "%s: libvirt refused the new definition: %s", v->def->name, err ? err : "?") < 0)
		*ret_error = NULL;
	return r < 0 ? r : -EIO;
}

int vm_define(const char *cmd, VirtJob *j, VmJob *v)
{
	_cleanup_free_ char *name = strdup(v->def->name), *unknown = NULL;

	/* On a timeout v is gone: the message is made beforehand. */
	if (!name || asprintf(&unknown, "whether the definition of %s changed is unknown (virsh dumpxml --inactive %s "
					"shows it)", name, name) < 0) {
		fprintf(stderr, "kvmnetctl %s: %s\n", cmd, strerror(ENOMEM));
		return -ENOMEM;
	}
	return cli_virt_step(cmd, j, vm_step_define, true, unknown);
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
