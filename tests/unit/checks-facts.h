/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the check tests: a ready host's facts and a line finder.
 * Include after cmocka.h. */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "core/checks.h"

#define PF "0000:03:00.0"

static inline char **strv(const char *a)
{
	char **l = NULL;

	assert_int_equal(strv_extend(&l, a), 0);
	return l;
}

/* A host where every check passes: Intel, VT-d on, one igb PF with
 * 2 VFs alone in their groups, x8 at its max. */
static inline void ready(HostFacts *f)
{
	*f = (HostFacts){
		.cpuinfo_known = true,
		.cpu_vendor = "GenuineIntel",
		.cpu_vmx = true,
		.kvm = { .present = true, .is_char = true },
		.kvm_api_version = 12,
		.kvm_intel = KMOD_LOADED,
		.acpi_dmar = true,
		.iommu_units = 1,
		.iommu_groups = 20,
		.cmdline_known = true,
		.cmdline_intel_iommu = strdup("on"),
		.cmdline_iommu = strdup("pt"),
		.modules_supported = true,
		.vfio_pci = KMOD_LOADED,
		.vhost_net = { .present = true, .is_char = true },
		.tun = { .present = true, .is_char = true },
		.vhost_net_mod = KMOD_LOADED,
		.tun_mod = KMOD_LOADED,
		.macvtap_mod = KMOD_LOADED,
		.libvirt_uri = strdup("qemu:///system"),
		.libvirt_reachable = true,
		.libvirt_version = 9000000,
		.nics_known = true,
		.n_nics = 1,
	};
	f->nics = calloc(1, sizeof(NicFacts));
	f->nics[0] = (NicFacts){
		.addr = strdup(PF),
		.netdevs = strv("enp3s0"),
		.vendor = strdup("0x8086"),
		.device = strdup("0x10c9"),
		.driver = strdup("igb"),
		.link_width = 8,
		.max_link_width = 8,
		.link_speed = strdup("5.0 GT/s PCIe"),
		.max_link_speed = strdup("5.0 GT/s PCIe"),
		.sriov = true,
		.totalvfs = 7,
		.numvfs = 2,
		.drivers_autoprobe = 0,
		.n_vfs = 2,
	};
	f->nics[0].vfs = calloc(2, sizeof(VfFacts));
	f->nics[0].vfs[0] = (VfFacts){ .addr = strdup("0000:03:10.0"), .index = 0, .iommu_group = 15 };
	f->nics[0].vfs[1] = (VfFacts){ .addr = strdup("0000:03:10.2"), .index = 1, .iommu_group = 16 };
}

/* Run all checks and return the line of id (for subject, or "host"). */
static inline const CheckResult *run(const HostFacts *f, CheckReport *rep, const char *id)
{
	check_report_done(rep);
	assert_int_equal(checks_run(f, rep), 0);
	for (size_t i = 0; i < rep->n; i++) {
		const CheckResult *c = &rep->results[i];

		/* Every WARN/FAIL carries a fix, and only those do. */
		assert_true((c->status >= CHECK_WARN) == (c->fix != NULL));
		if (streq(c->id, id))
			return c;
	}
	return NULL;
}

static inline void expect(const HostFacts *f, const char *id, CheckStatus st, const char *in_msg, const char *in_fix)
{
	CheckReport rep = {};
	const CheckResult *c = run(f, &rep, id);

	assert_non_null(c);
	if (c->status != st || (in_msg && !strstr(c->message, in_msg)) || (in_fix && !strstr(c->fix, in_fix)))
		fail_msg("%s: got %s \"%s\" fix \"%s\"; want %s \"%s\" fix \"%s\"", id, check_status_to_string(c->status),
			 c->message, c->fix ?: "", check_status_to_string(st), in_msg ?: "", in_fix ?: "");
	check_report_done(&rep);
}

