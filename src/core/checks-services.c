/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host-wide data-path and service checks: vfio-pci, vhost-net, tun,
 * macvtap, irqbalance, libvirt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "checks-internal.h"

/* What makes a missing module appear, for a kernel with or without
 * loadable modules. */
static char *fix_module(const HostFacts *f, KmodState st, const char *mod, const char *config)
{
	if (st == KMOD_AVAILABLE)
		return strf("modprobe %s (and list it in /etc/modules-load.d/kvmnet.conf to keep it)", mod);
	if (!f->modules_supported)
		return strf("boot a kernel built with %s=y (this kernel cannot load modules; Debian's "
			    "linux-image-amd64 has it as a module)",
			    config);
	return strf("install the modules of the running kernel (Debian: apt-get install linux-image-$(uname -r); "
		    "Ubuntu: linux-modules-extra-$(uname -r)) or boot a kernel with %s",
		    config);
}

static bool mod_in_kernel(KmodState st)
{
	return st == KMOD_LOADED || st == KMOD_BUILTIN;
}

int check_vfio_pci(const HostFacts *f, CheckReport *r)
{
	if (f->vfio_pci_driver || mod_in_kernel(f->vfio_pci))
		return check_add(r, "vfio-pci", "host", CHECK_PASS, NULL, "vfio-pci %s",
				 f->vfio_pci == KMOD_BUILTIN ? "built in" : "loaded");
	if (f->vfio_pci == KMOD_AVAILABLE)
		return check_add(r, "vfio-pci", "host", CHECK_PASS, NULL,
				 "vfio-pci available as a module (libvirt loads it when it assigns a VF)");
	return check_add(r, "vfio-pci", "host", CHECK_FAIL, fix_module(f, f->vfio_pci, "vfio-pci", "CONFIG_VFIO_PCI"),
			 "vfio-pci is not in this kernel: VFs cannot be given to VMs");
}

/* A /dev node that a module provides: present and openable, or why not. */
static int check_node(const HostFacts *f, CheckReport *r, const char *id, const char *path, const DevNodeFacts *n,
		      KmodState st, const char *mod, const char *config, CheckStatus missing, const char *why)
{
	if (n->present && n->open_error == 0)
		return check_add(r, id, "host", CHECK_PASS, NULL, "%s opens read-write", path);
	if (n->present && (n->open_error == -EACCES || n->open_error == -EPERM))
		return check_add(r, id, "host", missing, strf("run as root (libvirt's QEMU opens %s as root)", path),
				 "%s cannot be opened: %s", path, strerror(-n->open_error));
	if (n->present)
		return check_add(r, id, "host", missing, fix_module(f, st == KMOD_ABSENT ? KMOD_ABSENT : KMOD_AVAILABLE, mod, config),
				 "%s cannot be opened: %s (%s)", path, strerror(-n->open_error), why);
	if (mod_in_kernel(st))
		return check_add(r, id, "host", missing,
				 strf("%s is in the kernel but its node is missing: start udev, or mount devtmpfs on /dev", mod),
				 "%s is missing (%s)", path, why);
	return check_add(r, id, "host", missing, fix_module(f, st, mod, config), "%s is missing (%s)", path, why);
}

int check_vhost_net(const HostFacts *f, CheckReport *r)
{
	return check_node(f, r, "vhost-net", "/dev/vhost-net", &f->vhost_net, f->vhost_net_mod, "vhost_net",
			  "CONFIG_VHOST_NET", CHECK_WARN, "virtio NICs fall back to QEMU's slower userspace backend");
}

int check_tun(const HostFacts *f, CheckReport *r)
{
	return check_node(f, r, "tun", "/dev/net/tun", &f->tun, f->tun_mod, "tun", "CONFIG_TUN", CHECK_FAIL,
			  "no tap devices: virtio NICs cannot be created");
}

int check_macvtap(const HostFacts *f, CheckReport *r)
{
	if (f->macvtap_class || mod_in_kernel(f->macvtap_mod))
		return check_add(r, "macvtap", "host", CHECK_PASS, NULL, "macvtap %s",
				 f->macvtap_mod == KMOD_LOADED ? "loaded" : "in the kernel");
	if (f->macvtap_mod == KMOD_AVAILABLE)
		return check_add(r, "macvtap", "host", CHECK_PASS, NULL,
				 "macvtap available as a module (loaded when a macvtap link is made)");
	return check_add(r, "macvtap", "host", CHECK_WARN, fix_module(f, f->macvtap_mod, "macvtap", "CONFIG_MACVTAP"),
			 "macvtap is not in this kernel: <interface type='direct'> cannot be used");
}

int check_irqbalance(const HostFacts *f, CheckReport *r)
{
	if (f->irqbalance_pid < 0)
		return check_add(r, "irqbalance", "host", CHECK_INFO, NULL, "irqbalance state unknown (/proc unreadable)");
	if (f->irqbalance_pid == 0)
		return check_add(r, "irqbalance", "host", CHECK_PASS, NULL,
				 "irqbalance is not running: nothing moves the vectors kvmnetd places");
	if (f->irqbalance_socket)
		return check_add(r, "irqbalance", "host", CHECK_INFO, NULL,
				 "irqbalance is running (pid %d): kvmnetd bans the NIC vectors through "
				 "/run/irqbalance/irqbalance%d.sock",
				 f->irqbalance_pid, f->irqbalance_pid);
	return check_add(r, "irqbalance", "host", CHECK_WARN,
			 strf("systemctl disable --now irqbalance, or run an irqbalance that opens "
			      "/run/irqbalance/irqbalance<pid>.sock"),
			 "irqbalance is running (pid %d) without its socket: kvmnetd cannot ban the NIC vectors "
			 "and irqbalance will move them",
			 f->irqbalance_pid);
}

int check_libvirt(const HostFacts *f, CheckReport *r)
{
	const char *uri = f->libvirt_uri ?: "(default)";
	unsigned long v = f->libvirt_version;

	if (f->libvirt_reachable)
		return check_add(r, "libvirt", "host", CHECK_PASS, NULL, "%s reachable, libvirt %lu.%lu.%lu", uri,
				 v / 1000000, v / 1000 % 1000, v % 1000);
	/* Installed and running, but wedged: installing it is not the fix. */
	if (f->libvirt_timed_out)
		return check_add(r, "libvirt", "host", CHECK_FAIL,
				 strf("see why libvirtd does not answer (systemctl status libvirtd, its log, a "
				      "QEMU monitor or storage it waits on), or wait longer with --timeout"),
				 "%s", f->libvirt_error ?: "libvirt did not answer in time");
	return check_add(r, "libvirt", "host", CHECK_FAIL,
			 strf(f->libvirt_uri && strneq(f->libvirt_uri, "qemu:///", 8)
				      ? "apt-get install libvirt-daemon-system && systemctl enable --now libvirtd"
				      : "check the URI given with -c or KVMNET_LIBVIRT_URI, and that its libvirtd runs"),
			 "cannot connect to %s: %s", uri, f->libvirt_error ?: "unknown error");
}
