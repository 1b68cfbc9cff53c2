/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-NIC and service check evaluators, and the small parsers of
 * src/core/checks, from structs alone. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checks-facts.h"

static void set(char **field, const char *v)
{
	free(*field);
	*field = v ? strdup(v) : NULL;
}

static void test_pcie_speed(void **state)
{
	unsigned v = 0;

	assert_int_equal(pcie_speed_parse("2.5 GT/s PCIe", &v), 0);
	assert_int_equal(v, 2500);
	assert_int_equal(pcie_speed_parse("16.0 GT/s PCIe", &v), 0);
	assert_int_equal(v, 16000);
	assert_int_equal(pcie_speed_parse("5 GT/s", &v), 0); /* kernels before 4.19 */
	assert_int_equal(v, 5000);
	assert_int_equal(pcie_speed_parse("8.25 GT/s", &v), 0);
	assert_int_equal(v, 8200);
	assert_int_equal(pcie_speed_parse("Unknown", &v), -EINVAL);
	assert_int_equal(pcie_speed_parse("Unknown speed", &v), -EINVAL);
	assert_int_equal(pcie_speed_parse("", &v), -EINVAL);
	assert_int_equal(pcie_speed_parse(NULL, &v), -EINVAL);
	assert_int_equal(pcie_speed_parse("8.", &v), -EINVAL);
	assert_int_equal(pcie_speed_parse("8.0 GT", &v), -EINVAL);
	assert_int_equal(pcie_speed_parse("99999999999999999999 GT/s", &v), -ERANGE);
}

static void test_option_list(void **state)
{
	assert_true(option_list_has("on", "on"));
	assert_true(option_list_has("sm_on,on", "on"));
	assert_true(option_list_has("on,", "on"));
	assert_false(option_list_has("sm_on", "on"));
	assert_false(option_list_has("", "on"));
	assert_false(option_list_has(NULL, "on"));
	assert_false(option_list_has(",,,", "on"));
}

static void test_sriov(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "nic-sriov", CHECK_PASS, "up to 7 VFs, 2 enabled", NULL);
	f.nics[0].totalvfs = 0;
	expect(&f, "nic-sriov", CHECK_WARN, "sriov_totalvfs is 0", "SRIOV_EN=1");
	expect(&f, "sriov-nics", CHECK_FAIL, "none of the 1 NIC(s)", "install an SR-IOV NIC");
	/* No VF checks for a NIC that cannot have VFs. */
	{
		CheckReport rep = {};

		assert_null(run(&f, &rep, "nic-vf-groups"));
		assert_null(run(&f, &rep, "nic-autoprobe"));
		check_report_done(&rep);
	}
	f.nics[0].sriov = false;
	expect(&f, "nic-sriov", CHECK_WARN, "no SR-IOV capability", "enable SR-IOV in the BIOS");
	set(&f.nics[0].vendor, "0x1af4");
	expect(&f, "nic-sriov", CHECK_WARN, "virtio", "-device igb");
	f.nics[0].sriov = true;
	f.nics[0].totalvfs = -1;
	expect(&f, "nic-sriov", CHECK_INFO, "unreadable", NULL);
	f.n_nics = 0;
	expect(&f, "sriov-nics", CHECK_FAIL, "no network PCI function", "install");
	f.nics_known = false;
	expect(&f, "sriov-nics", CHECK_INFO, "unknown", NULL);
	f.n_nics = 1;
}

static void test_driver(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "nic-driver", CHECK_PASS, "igb", NULL);
	set(&f.nics[0].driver, NULL);
	expect(&f, "nic-driver", CHECK_FAIL, "0x8086:0x10c9", "lspci -k -s " PF);
}

static void test_link(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "nic-link", CHECK_PASS, "x8 at 5.0 GT/s, its maximum", NULL);
	f.nics[0].link_width = 4;
	expect(&f, "nic-link", CHECK_WARN, "x4 at 5.0 GT/s, below its maximum x8", "slot wired x8");
	f.nics[0].link_width = 8;
	set(&f.nics[0].link_speed, "2.5 GT/s PCIe");
	expect(&f, "nic-link", CHECK_WARN, "x8 at 2.5 GT/s, below its maximum x8 at 5.0 GT/s PCIe", "link speed to Auto");
	/* The 82576 is an x4 card: at its maximum, yet under the slot rule. */
	set(&f.nics[0].link_speed, "Unknown");
	f.nics[0].link_width = f.nics[0].max_link_width = 4;
	expect(&f, "nic-link", CHECK_WARN, "x4 (its maximum) is narrower than the x8", "x4 card");
	f.nics[0].max_link_width = 16;
	f.nics[0].link_width = 16;
	expect(&f, "nic-link", CHECK_PASS, "x16, its maximum", NULL);
	f.nics[0].link_width = -1;
	expect(&f, "nic-link", CHECK_INFO, "not reported", NULL);
}

static void test_vf_groups(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;
	VfFacts *vf;

	ready(&f);
	vf = &f.nics[0].vfs[1];
	expect(&f, "nic-vf-groups", CHECK_PASS, "2 VF(s), each alone", NULL);
	vf->iommu_peers = strv("0000:03:10.4");
	expect(&f, "nic-vf-groups", CHECK_FAIL, "1 of 2 VF(s) share their IOMMU group, first VF 1 (0000:03:10.2) in group 16 with 0000:03:10.4",
	       "ACS");
	vf->iommu_group = -1;
	expect(&f, "nic-vf-groups", CHECK_FAIL, "1 of 2 VF(s) have no IOMMU group", "turn the IOMMU on");
	/* A dangling virtfnN link is skipped, not reported as isolated. */
	free(f.nics[0].vfs[0].addr);
	f.nics[0].vfs[0].addr = NULL;
	free(vf->addr);
	vf->addr = NULL;
	expect(&f, "nic-vf-groups", CHECK_INFO, "no VFs enabled yet", NULL);
	f.nics[0].n_vfs = 0;
	expect(&f, "nic-vf-groups", CHECK_INFO, "no VFs enabled yet", NULL);
	f.nics[0].n_vfs = 2;
}

static void test_autoprobe(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "nic-autoprobe", CHECK_PASS, "is 0", NULL);
	f.nics[0].drivers_autoprobe = 1;
	expect(&f, "nic-autoprobe", CHECK_WARN, "is 1", "echo 0 > /sys/bus/pci/devices/" PF "/sriov_drivers_autoprobe");
	f.nics[0].drivers_autoprobe = -1;
	expect(&f, "nic-autoprobe", CHECK_INFO, "unreadable", NULL);
}

static void test_vfio(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "vfio-pci", CHECK_PASS, "loaded", NULL);
	f.vfio_pci = KMOD_BUILTIN;
	expect(&f, "vfio-pci", CHECK_PASS, "built in", NULL);
	f.vfio_pci = KMOD_AVAILABLE;
	expect(&f, "vfio-pci", CHECK_PASS, "available as a module", NULL);
	f.vfio_pci_driver = true;
	expect(&f, "vfio-pci", CHECK_PASS, "loaded", NULL);
	f.vfio_pci_driver = false;
	f.vfio_pci = KMOD_ABSENT;
	expect(&f, "vfio-pci", CHECK_FAIL, "not in this kernel", "linux-image-$(uname -r)");
	f.modules_supported = false;
	expect(&f, "vfio-pci", CHECK_FAIL, "not in this kernel", "CONFIG_VFIO_PCI=y");
}

static void test_nodes(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "vhost-net", CHECK_PASS, "/dev/vhost-net opens", NULL);
	expect(&f, "tun", CHECK_PASS, "/dev/net/tun opens", NULL);
	f.vhost_net = (DevNodeFacts){ .open_error = -ENOENT };
	f.vhost_net_mod = KMOD_AVAILABLE;
	expect(&f, "vhost-net", CHECK_WARN, "missing", "modprobe vhost_net");
	f.vhost_net_mod = KMOD_LOADED;
	expect(&f, "vhost-net", CHECK_WARN, "missing", "devtmpfs");
	f.vhost_net_mod = KMOD_ABSENT;
	f.modules_supported = false;
	expect(&f, "vhost-net", CHECK_WARN, "missing", "CONFIG_VHOST_NET=y");
	f.tun = (DevNodeFacts){ .present = true, .is_char = true, .open_error = -EACCES };
	expect(&f, "tun", CHECK_FAIL, "Permission denied", "run as root");
	f.tun.open_error = -ENODEV;
	f.tun_mod = KMOD_AVAILABLE;
	f.modules_supported = true;
	expect(&f, "tun", CHECK_FAIL, "No such device", "modprobe tun");
}

static void test_macvtap(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "macvtap", CHECK_PASS, "loaded", NULL);
	f.macvtap_mod = KMOD_ABSENT;
	f.macvtap_class = true; /* built in, no /sys/module entry */
	expect(&f, "macvtap", CHECK_PASS, "in the kernel", NULL);
	f.macvtap_class = false;
	f.macvtap_mod = KMOD_AVAILABLE;
	expect(&f, "macvtap", CHECK_PASS, "available", NULL);
	f.macvtap_mod = KMOD_ABSENT;
	expect(&f, "macvtap", CHECK_WARN, "not in this kernel", "linux-modules-extra");
}

static void test_irqbalance(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "irqbalance", CHECK_PASS, "not running", NULL);
	f.irqbalance_pid = 812;
	f.irqbalance_socket = true;
	expect(&f, "irqbalance", CHECK_INFO, "/run/irqbalance/irqbalance812.sock", NULL);
	f.irqbalance_socket = false;
	expect(&f, "irqbalance", CHECK_WARN, "without its socket", "systemctl disable --now irqbalance");
	f.irqbalance_pid = -1;
	expect(&f, "irqbalance", CHECK_INFO, "unknown", NULL);
}

static void test_libvirt(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	f.libvirt_version = 10010001;
	expect(&f, "libvirt", CHECK_PASS, "qemu:///system reachable, libvirt 10.10.1", NULL);
	f.libvirt_reachable = false;
	set(&f.libvirt_error, "Failed to connect socket");
	expect(&f, "libvirt", CHECK_FAIL, "cannot connect to qemu:///system: Failed to connect socket",
	       "systemctl enable --now libvirtd");
	set(&f.libvirt_uri, "qemu+ssh://h/system");
	set(&f.libvirt_error, NULL);
	expect(&f, "libvirt", CHECK_FAIL, "unknown error", "KVMNET_LIBVIRT_URI");
	/* A wedged libvirtd: the fix is to look at it, not to install it. */
	f.libvirt_timed_out = true;
	set(&f.libvirt_error, "libvirt qemu+ssh://h/system did not answer within 10 s");
	expect(&f, "libvirt", CHECK_FAIL, "libvirt qemu+ssh://h/system did not answer within 10 s",
	       "systemctl status libvirtd");
	f.libvirt_reachable = true;
	expect(&f, "libvirt", CHECK_PASS, "reachable", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcie_speed), cmocka_unit_test(test_option_list),
		cmocka_unit_test(test_sriov),	   cmocka_unit_test(test_driver),
		cmocka_unit_test(test_link),	   cmocka_unit_test(test_vf_groups),
		cmocka_unit_test(test_autoprobe),  cmocka_unit_test(test_vfio),
		cmocka_unit_test(test_nodes),	   cmocka_unit_test(test_macvtap),
		cmocka_unit_test(test_irqbalance), cmocka_unit_test(test_libvirt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
