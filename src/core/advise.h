/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macro.h"
#include "model/domain-xml.h"

/*
 * The network path of each interface of a domain, and what to make of it:
 * the ladder of the seed documents (emulated NIC < virtio with QEMU's
 * backend < virtio with vhost-net < multiqueue virtio < SR-IOV VF) applied
 * to a parsed domain, facts about the host and a workload hint.  Pure: the
 * caller observes; nothing here reads a file or calls libvirt.
 */

typedef enum Workload {
	WORKLOAD_THROUGHPUT = 0, /* bulk TCP: the default */
	WORKLOAD_LATENCY,        /* request/response */
	WORKLOAD_UDP_TO_GUEST,   /* UDP sent from the host to the guest */
	_WORKLOAD_MAX,
} Workload;

const char *workload_to_string(Workload w);
/* -EINVAL for an unknown name. */
int workload_from_string(const char *s, Workload *ret);

typedef enum NetPath {
	NET_PATH_OTHER = 0,   /* vhost-user, vDPA, ...: not kvmnet's to change */
	NET_PATH_USER,        /* user-mode (slirp/passt): the slowest */
	NET_PATH_EMULATED,    /* e1000, e1000e, rtl8139 */
	NET_PATH_VIRTIO_QEMU, /* virtio-net, QEMU's userspace backend */
	NET_PATH_VIRTIO_VHOST,/* virtio-net, the vhost-net kernel backend */
	NET_PATH_VF,          /* PCI passthrough of a VF or NIC */
	_NET_PATH_MAX,
} NetPath;

const char *net_path_to_string(NetPath p);

typedef struct HostFacts {
	bool vhost_net;        /* /dev/vhost-net exists */
	bool sriov_known;      /* the sriov_* fields were observed */
	unsigned sriov_pfs;    /* SR-IOV PFs: sriov_totalvfs > 0 */
	unsigned sriov_vfs;    /* VFs they can provide: the sum of sriov_totalvfs */
	unsigned sriov_free_vfs; /* VFs that exist, no running domain holds, on vfio-pci or no driver */
	bool daemon_gives_vf;  /* kvmnetd's policy gives this domain a VF */
	/* Why kvmnetd gives it none ("not running", "waiting: pf-busy"...),
	 * or NULL; borrowed. */
	const char *daemon_note;
} HostFacts;

/* The path an interface takes on this host: virtio without <driver name>
 * uses vhost-net when the host has it, as libvirt does. */
NetPath net_path_of(const DomainIface *i, const HostFacts *h);
/* Whether the interface sits on a host tap or macvtap (network, bridge,
 * direct, ethernet): the types where backend and queues apply. */
bool iface_is_tap(const DomainIface *i);

typedef struct IfaceAdvice {
	size_t index;      /* into DomainDef.ifaces */
	NetPath current, recommended;
	bool changes;      /* kvmnetctl vm apply would change this interface */
	/* The <model type>, <driver name> and queues to write, when changes;
	 * driver_name NULL: leave it; queues 0: no queues attribute. */
	const char *model;
	const char *driver_name;
	unsigned queues;
	bool want_vf;      /* pair with a VF (vm team); apply does not do it */
	char *reason;      /* why, one sentence or two */
	char *hint;        /* advice apply cannot carry out, or NULL */
	char *guest_command; /* to run inside the guest afterwards, or NULL */
} IfaceAdvice;

typedef struct DomainAdvice {
	IfaceAdvice *ifaces; /* one per DomainDef.ifaces, same order */
	size_t n;
	char *hint;          /* domain-wide (vCPU pinning), or NULL */
} DomainAdvice;

/* The queue count the advice uses: min(current vCPUs, 8), QEMU's useful
 * range for virtio-net multiqueue per the seed documents. */
unsigned advise_queues(const DomainDef *d);

int advise_domain(const DomainDef *d, const HostFacts *h, Workload w, DomainAdvice **ret);
void domain_advice_free(DomainAdvice *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(DomainAdvice *, domain_advice_free)
#define _cleanup_domain_advice_ _cleanup_(domain_advice_freep)
