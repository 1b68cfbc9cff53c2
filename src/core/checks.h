/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/kmod.h"

/*
 * The readiness checks of `kvmnetctl check`: pure evaluators over facts that
 * src/host gathered.  Nothing here reads a file, so every verdict and every
 * fix can be tested from a struct.  An int field is -1 when unknown, a
 * string NULL when unknown.
 */

typedef enum CheckStatus {
	CHECK_PASS,
	CHECK_INFO, /* a fact worth knowing; never a problem */
	CHECK_WARN,
	CHECK_FAIL,
} CheckStatus;

const char *check_status_to_string(CheckStatus s);

typedef struct DevNodeFacts {
	bool present;
	bool is_char;
	int open_error; /* 0 opened read-write, else -errno */
} DevNodeFacts;

typedef struct VfFacts {
	char *addr; /* NULL when virtfnN is a dangling link */
	int index;
	int iommu_group;   /* -1 none */
	char **iommu_peers; /* other members of that group */
} VfFacts;

typedef struct NicFacts {
	char *addr;
	char **netdevs;
	char *vendor, *device; /* "0x8086", "0x10c9" */
	char *driver;	       /* NULL: no driver bound */
	int link_width, max_link_width;
	char *link_speed, *max_link_speed; /* "5.0 GT/s PCIe" */
	bool sriov;			   /* has sriov_totalvfs */
	int totalvfs, numvfs, drivers_autoprobe;
	VfFacts *vfs;
	size_t n_vfs;
} NicFacts;

typedef struct HostFacts {
	/* /proc/cpuinfo */
	bool cpuinfo_known;
	char cpu_vendor[16];
	bool cpu_vmx, cpu_svm, cpu_hypervisor;
	/* /dev/kvm and the module that backs it */
	DevNodeFacts kvm;
	int kvm_api_version;
	KmodState kvm_intel, kvm_amd, kvm_pvm;
	/* IOMMU */
	bool acpi_dmar, acpi_ivrs;
	int iommu_units, iommu_groups;
	bool cmdline_known;
	char *cmdline_intel_iommu, *cmdline_amd_iommu, *cmdline_iommu; /* NULL: not given */
	/* modules and nodes of the data paths */
	bool modules_supported;
	KmodState vfio_pci;
	bool vfio_pci_driver; /* /sys/bus/pci/drivers/vfio-pci */
	DevNodeFacts vhost_net, tun;
	KmodState vhost_net_mod, tun_mod, macvtap_mod;
	bool macvtap_class; /* /sys/class/macvtap: registered by macvtap */
	/* irqbalance */
	int irqbalance_pid; /* 0 not running, -1 unknown */
	bool irqbalance_socket;
	/* libvirt */
	char *libvirt_uri;
	bool libvirt_reachable;
	unsigned long libvirt_version; /* major * 1000000 + minor * 1000 + micro */
	char *libvirt_error;
	bool libvirt_timed_out; /* it accepted the connection, then did not answer in time */
	/* network PCI functions that are not VFs */
	bool nics_known; /* false: /sys/bus/pci/devices unreadable */
	NicFacts *nics;
	size_t n_nics;
} HostFacts;

void host_facts_done(HostFacts *f);

typedef struct CheckResult {
	const char *id; /* static: "iommu-cmdline", "nic-link" */
	char *subject;	/* "host", or "0000:03:00.0 (enp3s0)" */
	CheckStatus status;
	char *message;
	char *fix; /* NULL for PASS and INFO */
} CheckResult;

typedef struct CheckReport {
	CheckResult *results;
	size_t n, allocated;
} CheckReport;

void check_report_done(CheckReport *r);
/* The worst status in the report (PASS when empty). */
CheckStatus check_report_worst(const CheckReport *r);

/* Run every check of the table, in order, appending to report. */
int checks_run(const HostFacts *f, CheckReport *report);

/* "8.0 GT/s PCIe" -> 8000 (MT/s); -EINVAL for "Unknown" or garbage. */
int pcie_speed_parse(const char *s, unsigned *ret_mts);
/* Whether a comma-separated option value ("on,sm_on") holds word. */
bool option_list_has(const char *list, const char *word);
