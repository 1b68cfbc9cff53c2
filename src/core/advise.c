/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise.h"
#include "basic/string-util.h"

#define MAX_QUEUES 8

static const char *const workload_names[_WORKLOAD_MAX] = {
	[WORKLOAD_THROUGHPUT] = "throughput",
	[WORKLOAD_LATENCY] = "latency",
	[WORKLOAD_UDP_TO_GUEST] = "udp-to-guest",
};

static const char *const path_names[_NET_PATH_MAX] = {
	[NET_PATH_OTHER] = "other",
	[NET_PATH_USER] = "user",
	[NET_PATH_EMULATED] = "emulated",
	[NET_PATH_VIRTIO_QEMU] = "virtio-qemu",
	[NET_PATH_VIRTIO_VHOST] = "virtio-vhost",
	[NET_PATH_VF] = "vf",
};

const char *workload_to_string(Workload w)
{
	return w >= 0 && w < _WORKLOAD_MAX ? workload_names[w] : NULL;
}

int workload_from_string(const char *s, Workload *ret)
{
	for (int w = 0; s && w < _WORKLOAD_MAX; w++)
		if (streq(s, workload_names[w])) {
			*ret = w;
			return 0;
		}
	return -EINVAL;
}

const char *net_path_to_string(NetPath p)
{
	return p >= 0 && p < _NET_PATH_MAX ? path_names[p] : NULL;
}

bool iface_is_tap(const DomainIface *i)
{
	return i->type == DOMAIN_IFACE_NETWORK || i->type == DOMAIN_IFACE_BRIDGE || i->type == DOMAIN_IFACE_DIRECT ||
	       i->type == DOMAIN_IFACE_ETHERNET;
}

static bool is_virtio(const DomainIface *i)
{
	return i->model && streq(i->model, "virtio");
}

NetPath net_path_of(const DomainIface *i, const HostFacts *h)
{
	if (i->type == DOMAIN_IFACE_HOSTDEV)
		return NET_PATH_VF;
	if (i->type == DOMAIN_IFACE_USER)
		return NET_PATH_USER;
	if (!iface_is_tap(i))
		return NET_PATH_OTHER;
	if (!is_virtio(i))
		return NET_PATH_EMULATED;
	if (i->driver_name && streq(i->driver_name, "qemu"))
		return NET_PATH_VIRTIO_QEMU;
	/* name='vhost', or no name: libvirt then uses vhost-net if it can
	 * open /dev/vhost-net and QEMU's backend otherwise. */
	if (i->driver_name && streq(i->driver_name, "vhost"))
		return NET_PATH_VIRTIO_VHOST;
	return h->vhost_net ? NET_PATH_VIRTIO_VHOST : NET_PATH_VIRTIO_QEMU;
}

unsigned advise_queues(const DomainDef *d)
{
	unsigned n = d->vcpus_current > 0 ? d->vcpus_current : 1;

	return n < MAX_QUEUES ? n : MAX_QUEUES;
}


typedef enum GuestOs {
	GUEST_OS_UNKNOWN,
	GUEST_OS_NO_VIRTIO, /* Windows: virtio-net needs the virtio-win drivers */
	GUEST_OS_VIRTIO,    /* Linux, the BSDs...: virtio-net in the box */
} GuestOs;

static GuestOs guest_os(const char *os_id)
{
	if (!os_id)
		return GUEST_OS_UNKNOWN;
	if (strstr(os_id, "microsoft.com/"))
		return GUEST_OS_NO_VIRTIO;
	return GUEST_OS_VIRTIO;
}

/* A tap interface whose guest cannot be assumed to drive virtio. */
static int advise_emulated(const DomainDef *d, const DomainIface *i, IfaceAdvice *a)
{
	a->recommended = NET_PATH_EMULATED;
	if (!i->model || !streq(i->model, "e1000e")) {
		a->model = "e1000e";
		a->changes = true;
	}
	if (guest_os(d->os_id) == GUEST_OS_NO_VIRTIO)
		return strextendf_sep(&a->reason, " ", "%s has no inbox virtio-net driver; e1000e is the best emulated NIC for it "
					  "and does well at low load. Install the virtio-win drivers, then switch to "
					  "virtio for more.", d->os_id);
	return strextendf_sep(&a->reason, " ", "The guest OS is unknown (no libosinfo metadata), so virtio drivers are not "
				  "assumed; e1000e is the best emulated NIC. If the guest has virtio-net, switch to "
				  "virtio by hand.");
}

static int advise_virtio(const DomainDef *d, const DomainIface *i, const HostFacts *h, Workload w, IfaceAdvice *a)
{
	unsigned q = advise_queues(d) > 1 ? advise_queues(d) : 0;
	unsigned cur_q = i->queues > 1 ? i->queues : 0;
	int r;

	if (!is_virtio(i)) {
		a->model = "virtio";
		a->changes = true;
		r = strextendf_sep(&a->reason, " ", "The guest has virtio-net drivers (%s); an emulated %s costs a VM exit per "
				       "register access.", d->os_id, i->model ? i->model : "NIC");
		if (r < 0)
			return r;
	}
	if (w == WORKLOAD_UDP_TO_GUEST) {
		a->driver_name = "qemu";
		r = strextendf_sep(&a->reason, " ", "QEMU's backend rather than vhost-net: vhost-net can drop UDP sent from the "
				       "host when the guest is slow to read.");
	} else if (h->vhost_net) {
		a->driver_name = "vhost";
		r = strextendf_sep(&a->reason, " ", "vhost-net moves the packet path into the host kernel.");
	} else {
		a->driver_name = "qemu";
		r = strextendf_sep(&a->reason, " ", "QEMU's backend, since this host has no /dev/vhost-net.");
		if (r >= 0)
			r = strextendf_sep(&a->hint, " ", "Load vhost_net (modprobe vhost_net) for the faster kernel backend.");
	}
	if (r < 0)
		return r;
	a->recommended = streq(a->driver_name, "vhost") ? NET_PATH_VIRTIO_VHOST : NET_PATH_VIRTIO_QEMU;
	if (!i->driver_name || !streq(i->driver_name, a->driver_name) || cur_q != q)
		a->changes = true;
	a->queues = q;
	if (q == 0)
		return strextendf_sep(&a->reason, " ", "One vCPU: a single queue.");
	r = strextendf_sep(&a->reason, " ", "%u queues, one per vCPU up to %d, spread the load over the guest's CPUs.", q,
		   MAX_QUEUES);
	if (r >= 0 && asprintf(&a->guest_command, "ethtool -L IFACE combined %u", q) < 0)
		r = -ENOMEM;
	return r;
}

static bool has_team(const DomainDef *d)
{
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (d->ifaces[k].teaming == DOMAIN_TEAMING_PERSISTENT)
			return true;
	return false;
}

/* One VF per domain, on the persistent member of its failover pair if it
 * has one, else on its first (recommended) virtio tap NIC: kvmnet pairs
 * VFs with virtio-net, the only model QEMU's failover knows. */
static int advise_vf(const DomainDef *d, const DomainIface *i, const HostFacts *h, bool *vf_taken, IfaceAdvice *a)
{
	bool teamed = i->teaming == DOMAIN_TEAMING_PERSISTENT;

	if (*vf_taken || (!teamed && has_team(d)) || !(is_virtio(i) || (a->model && streq(a->model, "virtio"))))
		return 0;
	if (h->daemon_gives_vf) {
		*vf_taken = true;
		a->want_vf = true;
		a->recommended = NET_PATH_VF;
		if (teamed)
			return strextendf_sep(&a->hint, " ", "kvmnetd gives this domain a VF and pairs it with this NIC (failover alias "
						"'%s'), so the VF can come and go.", i->alias ? i->alias : "?");
		return strextendf_sep(&a->hint, " ", "kvmnetd gives this domain a VF: pair it with this NIC as the persistent "
					"member of a failover team (kvmnetctl vm team), so the VF can come and go.");
	}
	if (!h->sriov_known || h->sriov_pfs == 0)
		return 0;
	*vf_taken = true;
	return strextendf_sep(&a->hint, " ", "This host has %u SR-IOV PF(s) with up to %u VFs (%u free now), but kvmnetd gives "
				"this domain none%s%s.", h->sriov_pfs, h->sriov_vfs, h->sriov_free_vfs,
		      h->daemon_note ? ": " : "", h->daemon_note ? h->daemon_note : "");
}

static int advise_tap(const DomainDef *d, const DomainIface *i, const HostFacts *h, Workload w, bool *vf_taken,
		      IfaceAdvice *a)
{
	int r;

	if (!is_virtio(i) && guest_os(d->os_id) != GUEST_OS_VIRTIO)
		r = advise_emulated(d, i, a);
	else
		r = advise_virtio(d, i, h, w, a);
	if (r < 0)
		return r;
	if (w == WORKLOAD_THROUGHPUT && (i->type == DOMAIN_IFACE_BRIDGE || i->type == DOMAIN_IFACE_NETWORK)) {
		r = strextendf_sep(&a->hint, " ", "If the guest needs no traffic with this host itself, macvtap "
				     "(type='direct' on the bridge's uplink) skips the bridge.");
		if (r < 0)
			return r;
	}
	return advise_vf(d, i, h, vf_taken, a);
}

static int advise_iface(const DomainDef *d, const DomainIface *i, const HostFacts *h, Workload w, bool *vf_taken,
			IfaceAdvice *a)
{
	char buf[PCI_ADDR_STRLEN];
	int r;

	a->current = a->recommended = net_path_of(i, h);
	switch (a->current) {
	case NET_PATH_VF:
		r = strextendf_sep(&a->reason, " ", "Passes the PCI function %s to the guest: the fastest path, nothing to change.",
			   pci_addr_format(&i->pci_source, buf));
		if (r >= 0 && i->teaming == DOMAIN_TEAMING_TRANSIENT)
			r = strextendf_sep(&a->reason, " ", "It is the transient member of a failover pair with '%s'.",
				   i->teaming_persistent ? i->teaming_persistent : "?");
		return r;
	case NET_PATH_USER:
		r = strextendf_sep(&a->reason, " ", "User-mode networking copies every packet through QEMU's own TCP/IP stack: "
				       "the slowest path.");
		return r < 0 ? r : strextendf_sep(&a->hint, " ", "Move it to a bridge or macvtap (type='direct') interface with virtio.");
	case NET_PATH_OTHER:
		return strextendf_sep(&a->reason, " ", "Interfaces of type '%s' are not managed by kvmnet.", i->type_name);
	default:
		return advise_tap(d, i, h, w, vf_taken, a);
	}
}

/* kvmnetd's [balloon] and `vm balloon` need a virtio balloon with a driver
 * in the guest; say so when the definition leaves none. */
static int advise_balloon(const DomainDef *d, char **hint)
{
	if (d->balloon == DOMAIN_BALLOON_NONE)
		return strextendf_sep(hint, " ", "<memballoon model='none'>: no balloon, so its unused memory cannot go "
				      "back to the host (kvmnetd [balloon] leaves it alone); use <memballoon "
				      "model='virtio'><stats period='5'/></memballoon> from the next start.");
	if (d->balloon == DOMAIN_BALLOON_ABSENT)
		return strextendf_sep(hint, " ", "No <memballoon>: its unused memory cannot go back to the host; add "
				      "<memballoon model='virtio'><stats period='5'/></memballoon>.");
	return 0;
}

int advise_domain(const DomainDef *d, const HostFacts *h, Workload w, DomainAdvice **ret)
{
	_cleanup_domain_advice_ DomainAdvice *a = calloc(1, sizeof(DomainAdvice));
	bool vf_taken = false;
	int r;

	if (!a)
		return -ENOMEM;
	if (w < 0 || w >= _WORKLOAD_MAX)
		return -EINVAL;
	a->ifaces = calloc(d->n_ifaces + 1, sizeof(IfaceAdvice));
	if (!a->ifaces)
		return -ENOMEM;
	/* A VF already in the domain is the one the policy gives. */
	for (size_t k = 0; k < d->n_ifaces; k++)
		if (d->ifaces[k].type == DOMAIN_IFACE_HOSTDEV)
			vf_taken = true;
	for (size_t k = 0; k < d->n_ifaces; k++) {
		a->ifaces[k].index = k;
		a->n++;
		r = advise_iface(d, &d->ifaces[k], h, w, &vf_taken, &a->ifaces[k]);
		if (r < 0)
			return r;
	}
	if (w == WORKLOAD_LATENCY && d->n_vcpupins == 0) {
		r = strextendf_sep(&a->hint, " ", "Pin the vCPUs (<cputune><vcpupin>) to dedicated host CPUs: a vCPU that "
				     "migrates between host CPUs adds latency.");
		if (r < 0)
			return r;
	}
	r = advise_balloon(d, &a->hint);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}

void domain_advice_free(DomainAdvice *a)
{
	if (!a)
		return;
	for (size_t k = 0; k < a->n; k++) {
		free(a->ifaces[k].reason);
		free(a->ifaces[k].hint);
		free(a->ifaces[k].guest_command);
	}
	free(a->ifaces);
	free(a->hint);
	free(a);
}
