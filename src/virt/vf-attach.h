/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

/*
 * A VF given to a domain as <interface type='hostdev' managed='yes'>:
 * libvirt then binds it to vfio-pci, sets the MAC and VLAN on the PF
 * itself, and gives it back on detach.
 */
typedef struct VfInterface {
	const char *pci_addr; /* the VF, "0000:03:10.0" */
	const char *mac;      /* "52:54:00:..." or NULL to let libvirt choose */
	int vlan;	      /* 1..4094, or 0 for none */
	/* When set, the VF joins a failover pair as the transient member whose
	 * persistent member is the virtio interface with this alias. */
	const char *teaming_persistent;
	/* Detach only: the live interface's alias.  libvirt matches a detached
	 * <interface> by MAC, and a transient member shares its MAC with the
	 * persistent one ("multiple devices matching MAC address"). */
	const char *alias;
} VfInterface;

/* The device XML for attach/detach; -EINVAL on a malformed address, MAC
 * or VLAN, so nothing unchecked reaches libvirt. */
int vf_interface_xml(const VfInterface *vf, char **ret);

/* Attach to the running domain only (VIR_DOMAIN_AFFECT_LIVE): what the
 * daemon adds, it takes away again, and a stopped domain starts clean.
 * On failure ret_error (may be NULL) gets libvirt's message; vf_detach()
 * returns -ENODEV when libvirt found no such device in the domain (the
 * guest may have released it since the caller looked). */
int vf_attach(virDomainPtr dom, const VfInterface *vf, char **ret_error);
int vf_detach(virDomainPtr dom, const VfInterface *vf, char **ret_error);
