/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/cpuset.h"
#include "basic/macro.h"
#include "basic/pci-addr.h"

/*
 * The parts of a libvirt domain XML that kvmnet reasons about, parsed from
 * a string with libxml2 alone: no libvirt call, so the parser is unit-tested
 * and fuzzed without a daemon.  Elements kvmnet does not know are ignored;
 * a value it does interpret (a number, a PCI address, a cpuset) that is
 * malformed makes the whole parse fail, so that a decision is never made on
 * half-read data.
 *
 * For a running domain, pass the live XML: libvirt then reports an
 * <interface type='network'> whose network hands out VFs as
 * type='hostdev' with the PCI address it actually got.
 */

/* The namespace of kvmnet's own element in a domain's <metadata>
 * (virt/metadata.h: manage=; domain-numa.h: numa=; vf-policy.h: <vf>). */
#define KVMNET_METADATA_NS "http://kvmnet.org/xmlns/domain/1.0"

/* What the manage= of kvmnet's element says (value NULL: absent, and so
 * is no element): 1 managed ("yes", or absent), 0 opted out ("no"),
 * -EBADMSG neither, unknown.  The one rule the daemon's reading and the
 * qemu hook's share. */
int kvmnet_manage_value(const char *value);

typedef enum DomainIfaceType {
	DOMAIN_IFACE_OTHER = 0, /* a type kvmnet does not handle; see type_name */
	DOMAIN_IFACE_NETWORK,
	DOMAIN_IFACE_BRIDGE,
	DOMAIN_IFACE_DIRECT, /* macvtap */
	DOMAIN_IFACE_HOSTDEV,
	DOMAIN_IFACE_USER,
	DOMAIN_IFACE_ETHERNET,
	DOMAIN_IFACE_VHOSTUSER,
	DOMAIN_IFACE_VDPA,
	_DOMAIN_IFACE_TYPE_MAX,
} DomainIfaceType;

typedef enum DomainTeaming {
	DOMAIN_TEAMING_NONE = 0,
	DOMAIN_TEAMING_PERSISTENT, /* the virtio member that stays */
	DOMAIN_TEAMING_TRANSIENT,  /* the VF member that comes and goes */
} DomainTeaming;

typedef struct DomainIface {
	DomainIfaceType type;
	char *type_name;      /* the type attribute as written */
	char *mac;            /* <mac address=> */
	char *model;          /* <model type=>: virtio, e1000e, e1000, rtl8139 */
	char *driver_name;    /* <driver name=>: vhost, qemu, vfio, kvm */
	unsigned queues;      /* <driver queues=>; 0 when absent */
	char *source_bridge;  /* bridge: the bridge; network: the live bridge */
	char *source_network; /* network */
	char *source_dev;     /* direct: the lower device */
	char *source_mode;    /* direct: vepa, bridge, private, passthrough */
	char *target_dev;     /* <target dev=>: the host tap/macvtap (live) */
	char *alias;          /* <alias name=>: net0, ua-... */
	DomainTeaming teaming;
	char *teaming_persistent; /* transient: alias of the persistent member */
	bool has_pci_source;      /* hostdev: <source><address type='pci'> */
	PciAddr pci_source;
	bool managed;             /* hostdev: managed='yes' */
	unsigned *vlan_tags;      /* <vlan><tag id=>, in document order */
	size_t n_vlan_tags;
	bool vlan_trunk;
} DomainIface;

/* <hostdev mode='subsystem' type='pci'>; other hostdevs are skipped. */
typedef struct DomainHostdev {
	PciAddr addr;
	char *alias;
	bool managed;
	DomainTeaming teaming;
	char *teaming_persistent;
} DomainHostdev;

typedef struct DomainDisk {
	char *type;   /* file, block, network, volume */
	char *device; /* disk, cdrom, floppy, lun */
	char *source; /* file=, dev=, name= (network), dir=, or "pool/volume" */
	char *target; /* vda, sda */
	char *bus;    /* virtio, sata, scsi */
} DomainDisk;

typedef struct DomainVcpuPin {
	unsigned vcpu;
	CpuSet cpus;
} DomainVcpuPin;

/* The QEMU guest agent's virtio channel, org.qemu.guest_agent.0. */
typedef enum DomainAgent {
	DOMAIN_AGENT_NONE = 0,      /* no such <channel> */
	DOMAIN_AGENT_CHANNEL,       /* there; no state (inactive XML) */
	DOMAIN_AGENT_CONNECTED,     /* live: state='connected', the agent runs */
	DOMAIN_AGENT_DISCONNECTED,  /* live: state='disconnected', nothing answers */
} DomainAgent;

/* <devices><memballoon model=>: whether the balloon can be used. */
typedef enum DomainBalloon {
	DOMAIN_BALLOON_ABSENT = 0, /* no element (libvirt adds a virtio one when it defines a QEMU domain) */
	DOMAIN_BALLOON_NONE,       /* model='none': no balloon device */
	DOMAIN_BALLOON_VIRTIO,     /* virtio, virtio-transitional, virtio-non-transitional */
	DOMAIN_BALLOON_OTHER,      /* xen or a model kvmnet does not know */
} DomainBalloon;

typedef struct DomainDef {
	char *name;
	char *uuid;
	char *virt_type;       /* <domain type=>: kvm, qemu */
	int id;                /* live id; -1 when absent (inactive XML) */
	unsigned vcpus;        /* <vcpu> maximum */
	unsigned vcpus_current; /* current=, or vcpus when absent */
	DomainVcpuPin *vcpupins;
	size_t n_vcpupins;
	bool has_emulatorpin;
	CpuSet emulatorpin;
	char *os_id; /* libosinfo id, "http://debian.org/debian/12"; NULL if none */
	DomainDisk *disks;
	size_t n_disks;
	DomainIface *ifaces;
	size_t n_ifaces;
	DomainHostdev *hostdevs;
	size_t n_hostdevs;
	DomainAgent guest_agent;
	DomainBalloon balloon;
	unsigned balloon_period; /* <memballoon><stats period=> in s; 0 when absent */
	bool has_numatune;	 /* <numatune><memory nodeset=> */
	CpuSet numatune_nodes;	 /* its NUMA nodes (a cpuset of node numbers) */
	char *kvmnet_numa;	 /* <metadata><kvmnet:domain numa=> as written; NULL when absent */
} DomainDef;

/* Larger documents are refused with -EFBIG before libxml2 sees them; a real
 * domain XML is a few KiB. */
#define DOMAIN_XML_MAX (4u << 20)

/* Parse size bytes of xml.  Returns 0, -EINVAL (not a domain XML or a
 * malformed value), -EFBIG or -ENOMEM.  On -EINVAL, if ret_error is not
 * NULL, it gets a malloc'd message naming the line and the value, e.g.
 * "line 12: <vcpupin cpuset='x'>: expected a cpuset". */
int domain_xml_parse(const char *xml, size_t size, DomainDef **ret, char **ret_error);
void domain_def_free(DomainDef *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(DomainDef *, domain_def_free)
#define _cleanup_domain_def_ _cleanup_(domain_def_freep)

/* Keep libxml2 from printing on stderr in this thread; the parsers here
 * call it themselves. */
void domain_xml_silence(void);

const char *domain_iface_type_to_string(DomainIfaceType t);
DomainIfaceType domain_iface_type_from_string(const char *s);
const char *domain_teaming_to_string(DomainTeaming t);

/* libvirt's cpuset syntax: "0-3,^2,8"; an exclusion only after the CPU was
 * included.  Also used for <vcpupin> and <emulatorpin>. */
int libvirt_cpuset_parse(const char *s, CpuSet *ret);

/* The interface's PCI address if it holds one (hostdev), else NULL. */
static inline const PciAddr *domain_iface_pci(const DomainIface *i)
{
	return i->has_pci_source ? &i->pci_source : NULL;
}
