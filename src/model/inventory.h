/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/pci-function.h"
#include "model/sriov-pf.h"

/*
 * The host's network hardware as one model: every network PCI function and
 * every SR-IOV PF with its VFs (read from sysfs by inventory_read() in
 * host/inventory.h), and
 * what other sources add to it (inventory_fill()): VF MAC/VLAN from
 * rtnetlink, each NIC's interrupt vectors, the running VMs and which of
 * them holds which function.  Each source is a part that is known or
 * unknown with a reason, so that a missing source never hides the rest.
 *
 * The structs are plain data: src/core takes them as observed state.
 */

typedef struct InvPart {
	bool known;
	char *reason; /* why not known; NULL when known */
} InvPart;

/* A VF's settings on its PF, as rtnetlink reports them (IFLA_VFINFO_LIST). */
typedef struct InvVfAttrs {
	char *mac;	     /* "52:54:00:12:34:56"; NULL unknown */
	int vlan;	     /* 0 none; -1 unknown */
	int qos;	     /* 802.1p priority; -1 unknown */
	int spoofchk, trust; /* 1 on, 0 off, -1 unknown */
	char *link_state;    /* "auto", "enable", "disable"; NULL unknown */
} InvVfAttrs;

typedef struct InvIrqCount {
	unsigned cpu;
	uint64_t count;
} InvIrqCount;

/* One MSI/MSI-X vector of a NIC. */
typedef struct InvIrq {
	unsigned irq;
	char *name;		  /* action in /proc/interrupts ("virtio2-input.0"); NULL unknown */
	InvIrqCount *counts;	  /* per CPU, as /proc/interrupts lists them */
	size_t n_counts;
	char *affinity;		  /* /proc/irq/N/smp_affinity_list; NULL unknown */
	char *effective_affinity; /* /proc/irq/N/effective_affinity_list; NULL unknown */
} InvIrq;

typedef struct InvVf {
	int index;	  /* N of the PF's virtfnN */
	char *addr;	  /* the virtfnN target; NULL when the link is missing */
	PciFunction *pci; /* NULL when the function could not be read */
	bool have_attrs;  /* attrs set by the VF attribute source */
	InvVfAttrs attrs;
	bool have_irqs; /* irqs set by the interrupt source (maybe none) */
	InvIrq *irqs;	/* a VF's own vectors: igbvf's, or vfio-msix for a VM */
	size_t n_irqs;
	char *holder; /* VM holding it; NULL free (or unknown: see Inventory.vms) */
} InvVf;

typedef struct InvNic {
	PciFunction *pci;
	SriovPf *sriov; /* NULL when not an SR-IOV PF */
	InvVf *vfs;	/* by index: vfs[i].index == i */
	size_t n_vfs;
	char *vf_attrs_reason; /* why this PF's VF attributes are unknown, if so */
	bool have_irqs;	       /* irqs set by the interrupt source (maybe none) */
	InvIrq *irqs;
	size_t n_irqs;
	char *holder; /* VM holding the whole function (passthrough) */
} InvNic;

/* A network device of a running VM, from its domain XML. */
typedef struct InvVmNic {
	char *type;	/* <interface type=...>, or "hostdev" for a <hostdev> */
	char *mac;	/* NULL when none */
	char *model;	/* "virtio", "e1000"...; NULL when none */
	char *source;	/* bridge, network or host device name; NULL */
	char *target;	/* host-side tap/macvtap name; NULL */
	char *pci_addr; /* host PCI function it holds; NULL when none */
} InvVmNic;

typedef struct InvVm {
	char *name;
	char *uuid; /* NULL unknown */
	InvVmNic *nics;
	size_t n_nics;
} InvVm;

typedef struct Inventory {
	char *kernel;	  /* /proc/sys/kernel/osrelease; NULL unknown */
	InvPart pci;	  /* PCI functions and SR-IOV, from sysfs */
	InvPart vf_attrs; /* VF MAC/VLAN..., from rtnetlink */
	InvPart irqs;	  /* vectors: msi_irqs/, /proc/interrupts, /proc/irq */
	InvPart vms;	  /* running VMs and the functions they hold, from libvirt */
	InvNic *nics;	  /* sorted by PCI address */
	size_t n_nics;
	InvVm *vms_list;
	size_t n_vms;
} Inventory;

/* What a source filler may need to reach its source. */
typedef struct InventoryOptions {
	const char *libvirt_uri;
	uint64_t libvirt_timeout_us; /* how long to wait for libvirt; 0: no limit */
} InventoryOptions;

/*
 * A source filler adds what its source knows, with the inventory_set_*()
 * and inventory_add_vm() calls below.  When the source cannot be read at
 * all it returns a negative errno and, in *ret_reason, a malloc'd
 * sentence for the operator ("cannot connect to qemu:///system: ...");
 * the part is then marked unknown with that reason.
 */
typedef int (*InventoryFiller)(Inventory *inv, const InventoryOptions *opts, char **ret_reason);

/* The fillers a front end wires in; a NULL one leaves its part unknown
 * with the reason that this build does not read that source. */
typedef struct InventorySources {
	InventoryFiller vf_attrs;
	InventoryFiller irqs;
	InventoryFiller vms;
} InventorySources;

void inventory_fill(Inventory *inv, const InventorySources *sources, const InventoryOptions *opts);

Inventory *inventory_free(Inventory *inv);
static inline void inventory_freep(Inventory **inv)
{
	inventory_free(*inv);
}
#define _cleanup_inventory_ __attribute__((cleanup(inventory_freep)))

/* Lookups by canonical PCI address; NULL when absent. */
InvNic *inventory_find_nic(const Inventory *inv, const char *addr);
InvVf *inventory_find_vf(const Inventory *inv, const char *addr, InvNic **ret_pf);

/* For fillers.  All copy their arguments.  -ENOENT: no such PF, VF or NIC. */
int inventory_set_vf_attrs(Inventory *inv, const char *pf_addr, int vf_index, const InvVfAttrs *attrs);
int inventory_set_vf_attrs_unknown(Inventory *inv, const char *pf_addr, const char *reason);
/* The vectors of a NIC or of a VF (addr names either). */
int inventory_set_irqs(Inventory *inv, const char *addr, const InvIrq *irqs, size_t n_irqs);
/* Adds a running VM and marks the VFs and NICs its devices hold. */
int inventory_add_vm(Inventory *inv, const InvVm *vm);


/* Mark a part known, or unknown with a reason (copied). */
int inv_part_set(InvPart *p, bool known, const char *reason);
