/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host facts `vm advise` decides on: vhost-net, the SR-IOV PFs and
 * their free VFs (sysfs and libvirt), and kvmnetd's own view over its
 * control socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "host/pci.h"
#include "host/sriov.h"
#include "status-daemon.h"
#include "virt/domains.h"
#include "vm-common.h"

/* A VF no running domain holds, on vfio-pci or on no driver: one kvmnetd
 * (or a hand attach) can give without taking it from anyone. */
static bool vf_free(const char *addr, const PciHolderMap *holders)
{
	_cleanup_pci_function_ PciFunction *f = NULL;
	PciAddr a;

	if (!addr || pci_addr_parse(addr, &a) < 0 || pci_holders_find(holders, &a))
		return false;
	if (pci_function_read(addr, &f) < 0)
		return false;
	return !f->driver || streq(f->driver, "vfio-pci");
}

static int read_sriov(const PciHolderMap *holders, CliFacts *f)
{
	_cleanup_strv_free_ char **fns = NULL;
	int r;

	/* Free means free of the running domains too: without libvirt's
	 * answer nothing is known to be free. */
	if (!holders)
		return -ENODATA;
	r = pci_list_functions(&fns);
	if (r < 0)
		return r;
	STRV_FOREACH(fn, fns) {
		_cleanup_sriov_pf_ SriovPf *pf = NULL;

		if (sriov_pf_read(*fn, &pf) < 0 || pf->totalvfs <= 0)
			continue;
		f->sriov_pfs++;
		f->sriov_vfs += (unsigned)pf->totalvfs;
		for (size_t k = 0; k < pf->n_vfs; k++)
			f->sriov_free_vfs += vf_free(pf->vf_addrs[k], holders);
	}
	f->sriov_known = true;
	return 0;
}

void cli_facts_read(const PciHolderMap *holders, bool vf_override, CliFacts *ret)
{
	HostFacts base;

	cli_host_facts(false, &base);
	*ret = (CliFacts){ .vhost_net = base.vhost_net, .vf_override = vf_override };
	/* A host whose PCI functions cannot be listed advises without VFs. */
	if (read_sriov(holders, ret) < 0) {
		ret->sriov_known = false;
		ret->sriov_pfs = ret->sriov_vfs = ret->sriov_free_vfs = 0;
	}
	ret->daemon = status_daemon_fetch();
}

void cli_facts_done(CliFacts *f)
{
	json_object_put(f->daemon);
	f->daemon = NULL;
	free(f->note);
	f->note = NULL;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* The domain's entry in kvmnetd's view: it lists the running domains. */
static json_object *daemon_vm(json_object *view, const DomainDef *d)
{
	json_object *vms;
	size_t n;

	if (!json_object_object_get_ex(view, "vms", &vms) || !json_object_is_type(vms, json_type_array))
		return NULL;
	n = json_object_array_length(vms);
	for (size_t i = 0; i < n; i++) {
		json_object *vm = json_object_array_get_idx(vms, i);
		const char *uuid = get_str(vm, "uuid"), *name = get_str(vm, "name");

		if ((d->uuid && uuid && streq(uuid, d->uuid)) || (name && streq(name, d->name)))
			return vm;
	}
	return NULL;
}

json_object *cli_facts_daemon_vm(const CliFacts *f, const DomainDef *d)
{
	json_object *view;

	return f->daemon && json_object_object_get_ex(f->daemon, "view", &view) ? daemon_vm(view, d) : NULL;
}

void cli_facts_for(CliFacts *f, const DomainDef *d, HostFacts *ret)
{
	json_object *view = NULL, *vm;
	const char *path, *wait, *pending;

	*ret = (HostFacts){
		.vhost_net = f->vhost_net,
		.sriov_known = f->sriov_known,
		.sriov_pfs = f->sriov_pfs,
		.sriov_vfs = f->sriov_vfs,
		.sriov_free_vfs = f->sriov_free_vfs,
		.daemon_gives_vf = f->vf_override,
	};
	if (f->vf_override)
		return;
	if (!f->daemon || !json_object_object_get_ex(f->daemon, "view", &view)) {
		ret->daemon_note = f->daemon ? get_str(f->daemon, "reason") : "kvmnetd's view is unknown";
		return;
	}
	vm = daemon_vm(view, d);
	path = vm ? get_str(vm, "path") : NULL;
	wait = vm ? get_str(vm, "waiting_for") : NULL;
	pending = vm ? get_str(vm, "pending") : NULL;
	/* vf-pending with an attach: given this turn, not yet seen held */
	if (path && (streq(path, "vf") || (streq(path, "vf-pending") && pending && streq(pending, "attach")))) {
		ret->daemon_gives_vf = true;
		return;
	}
	free(f->note);
	f->note = NULL;
	if (!vm)
		ret->daemon_note = "it is not running (kvmnetd serves running domains)";
	else if (path && streq(path, "opted-out"))
		ret->daemon_note = "it opted out through its libvirt metadata";
	else if (path && streq(path, "vf-by-hand"))
		ret->daemon_note = "it holds a VF given by hand";
	else if (asprintf(&f->note, "kvmnetd waits: %s", wait ? wait : "no reason given") >= 0)
		ret->daemon_note = f->note;
}
