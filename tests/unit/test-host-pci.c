/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* host/pci.c, host/sriov.c and host/netdev.c on the fixture trees. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "basic/strv.h"
#include "fixture.h"
#include "host/netdev.h"
#include "host/pci.h"
#include "host/sriov.h"

static PciFunction *read_fn(const char *addr)
{
	PciFunction *f = NULL;

	assert_int_equal(pci_function_read(addr, &f), 0);
	assert_non_null(f);
	return f;
}

static void test_igb_pf(void **state)
{
	PciFunction *f;

	use_fixture("igb-82576");
	f = read_fn("01:00.0"); /* short form is canonicalized */
	assert_string_equal(f->addr, "0000:01:00.0");
	assert_string_equal(f->vendor, "0x8086");
	assert_string_equal(f->device, "0x10c9");
	assert_string_equal(f->class_id, "0x020000");
	assert_true(pci_function_is_network(f));
	assert_string_equal(f->driver, "igb");
	assert_null(f->driver_override); /* "(null)" in sysfs */
	assert_int_equal(f->iommu_group, 20);
	assert_int_equal(strv_length(f->iommu_peers), 0);
	assert_int_equal(f->numa_node, 0);
	assert_int_equal(f->link_width, 4);
	assert_int_equal(f->max_link_width, 4);
	assert_string_equal(f->link_speed, "5.0 GT/s PCIe");
	assert_string_equal(f->max_link_speed, "5.0 GT/s PCIe");
	assert_int_equal(strv_length(f->netdevs), 1);
	assert_string_equal(f->netdevs[0], "enp1s0f0");
	assert_null(f->physfn);
	assert_int_equal(f->vf_index, -1);
	pci_function_free(f);
}

static void test_igb_vfs(void **state)
{
	PciFunction *f;

	use_fixture("igb-82576");
	f = read_fn("0000:01:10.2");
	assert_string_equal(f->device, "0x10ca");
	assert_string_equal(f->driver, "vfio-pci");
	assert_string_equal(f->driver_override, "vfio-pci");
	assert_string_equal(f->physfn, "0000:01:00.0");
	assert_int_equal(f->vf_index, 1);
	/* A VF's link registers are reserved: "Unknown" and x0. */
	assert_int_equal(f->link_width, -1);
	assert_int_equal(f->max_link_width, -1);
	assert_null(f->link_speed);
	assert_null(f->max_link_speed);
	assert_null(f->netdevs);
	pci_function_free(f);

	f = read_fn("0000:01:10.5"); /* VF 2 of PF1: no driver */
	assert_null(f->driver);
	assert_string_equal(f->physfn, "0000:01:00.1");
	assert_int_equal(f->vf_index, 2);
	pci_function_free(f);

	f = read_fn("0000:01:10.0");
	assert_string_equal(f->driver, "igbvf");
	assert_string_equal(f->netdevs[0], "enp1s16");
	pci_function_free(f);
}

static void test_odd_functions(void **state)
{
	PciFunction *f;

	use_fixture("odd");
	f = read_fn("0000:05:10.0"); /* no driver, no iommu_group link */
	assert_null(f->driver);
	assert_int_equal(f->iommu_group, -1);
	assert_null(f->iommu_peers);
	pci_function_free(f);

	f = read_fn("0000:05:10.1"); /* numa_node -1, group shared with VF4 */
	assert_int_equal(f->numa_node, -1);
	assert_int_equal(f->iommu_group, 8);
	assert_int_equal(strv_length(f->iommu_peers), 1);
	assert_string_equal(f->iommu_peers[0], "0000:05:10.4");
	pci_function_free(f);

	f = read_fn("0000:05:10.4"); /* numa_node a directory, speed a loop, vendor empty */
	assert_int_equal(f->numa_node, -1);
	assert_null(f->link_speed);
	assert_null(f->vendor);
	assert_string_equal(f->device, "0x1520");
	assert_int_equal(f->vf_index, 4);
	pci_function_free(f);

	f = read_fn("0000:05:10.2"); /* orphan: physfn, but no virtfn2 on the PF */
	assert_string_equal(f->physfn, "0000:05:00.0");
	assert_int_equal(f->vf_index, -1);
	pci_function_free(f);

	f = read_fn("0000:00:1f.6"); /* no class file: not known to be a NIC */
	assert_null(f->class_id);
	assert_false(pci_function_is_network(f));
	pci_function_free(f);
}

static void test_bad_addresses(void **state)
{
	PciFunction *f = NULL;

	use_fixture("odd");
	assert_int_equal(pci_function_read("0000:05:10.3", &f), -ENOENT); /* dangling virtfn3 */
	assert_int_equal(pci_function_read("zz:00.0", &f), -EINVAL);
	assert_int_equal(pci_function_read("../../etc", &f), -EINVAL);
	assert_int_equal(pci_function_read("", &f), -EINVAL);
	assert_null(f);
}

static void test_virtio(void **state)
{
	PciFunction *f;

	use_fixture("virtio-vm");
	f = read_fn("0000:00:03.0");
	assert_string_equal(f->driver, "virtio-pci");
	assert_true(pci_function_is_network(f));
	/* virtio-net's interface sits under virtio2/net/, not net/ */
	assert_int_equal(strv_length(f->netdevs), 1);
	assert_string_equal(f->netdevs[0], "eth0");
	assert_int_equal(f->iommu_group, -1);
	assert_int_equal(f->numa_node, -1);
	assert_int_equal(f->link_width, -1); /* conventional PCI: no link files */
	assert_null(f->link_speed);
	pci_function_free(f);
}

static void test_list(void **state)
{
	char **l = NULL;

	use_fixture("igb-82576");
	assert_int_equal(pci_list_functions(&l), 0);
	/* host bridge, root port, 2 PFs, 6 VFs; sorted */
	assert_int_equal(strv_length(l), 10);
	assert_string_equal(l[0], "0000:00:00.0");
	assert_string_equal(l[2], "0000:01:00.0");
	strv_free(l);

	use_fixture("does-not-exist");
	assert_int_equal(pci_list_functions(&l), -ENOENT);
}

static void test_sriov_igb(void **state)
{
	SriovPf *pf = NULL;

	use_fixture("igb-82576");
	assert_int_equal(sriov_pf_read("0000:01:00.0", &pf), 0);
	assert_int_equal(pf->totalvfs, 7);
	assert_int_equal(pf->numvfs, 3);
	assert_int_equal(pf->drivers_autoprobe, 1);
	assert_int_equal(pf->n_vfs, 3);
	assert_string_equal(pf->vf_addrs[0], "0000:01:10.0");
	assert_string_equal(pf->vf_addrs[1], "0000:01:10.2");
	assert_string_equal(pf->vf_addrs[2], "0000:01:10.4");
	sriov_pf_free(pf);

	assert_int_equal(sriov_pf_read("0000:01:00.1", &pf), 0);
	assert_int_equal(pf->drivers_autoprobe, 0);
	assert_string_equal(pf->vf_addrs[0], "0000:01:10.1");
	sriov_pf_free(pf);

	pf = NULL;
	assert_int_equal(sriov_pf_read("0000:00:01.0", &pf), -EOPNOTSUPP); /* root port */
	assert_int_equal(sriov_pf_read("0000:01:10.0", &pf), -EOPNOTSUPP); /* a VF */
	assert_null(pf);
}

static void test_sriov_odd(void **state)
{
	SriovPf *pf = NULL;

	use_fixture("odd");
	assert_int_equal(sriov_pf_read("0000:05:00.0", &pf), 0);
	assert_int_equal(pf->numvfs, 5);
	assert_int_equal(pf->n_vfs, 5); /* highest virtfnN + 1 */
	assert_string_equal(pf->vf_addrs[1], "0000:05:10.1");
	assert_null(pf->vf_addrs[2]); /* the gap */
	assert_string_equal(pf->vf_addrs[3], "0000:05:10.3"); /* dangling, but named */
	assert_string_equal(pf->vf_addrs[4], "0000:05:10.4");
	sriov_pf_free(pf);

	assert_int_equal(sriov_pf_read("0000:06:00.0", &pf), 0);
	assert_int_equal(pf->totalvfs, 63);
	assert_int_equal(pf->numvfs, -1); /* unreadable: a directory */
	assert_int_equal(pf->drivers_autoprobe, -1); /* missing */
	assert_int_equal(pf->n_vfs, 0);
	assert_null(pf->vf_addrs);
	sriov_pf_free(pf);
}

static void expect_addr(const char *name, const char *addr)
{
	char *a = NULL;

	assert_int_equal(pci_resolve_name(name, &a), 0);
	assert_string_equal(a, addr);
	free(a);
}

static void test_netdev(void **state)
{
	char *a = NULL, **l = NULL;

	use_fixture("virtio-vm");
	assert_int_equal(netdev_pci_addr("eth0", &a), 0);
	assert_string_equal(a, "0000:00:03.0");
	free(a);
	a = NULL;
	assert_int_equal(netdev_pci_addr("lo", &a), -ENODEV);
	assert_int_equal(netdev_pci_addr("nope0", &a), -ENOENT);
	assert_int_equal(netdev_pci_addr("../x", &a), -EINVAL);
	assert_int_equal(netdev_pci_addr("", &a), -EINVAL);
	assert_int_equal(netdev_pci_addr("..", &a), -EINVAL);
	assert_null(a);
	assert_int_equal(netdev_list(&l), 0);
	assert_true(strv_contains(l, "eth0"));
	assert_true(strv_contains(l, "lo"));
	strv_free(l);

	use_fixture("igb-82576");
	expect_addr("enp1s16", "0000:01:10.0"); /* a VF's interface */
	expect_addr("enp1s0f1", "0000:01:00.1");
	expect_addr("01:00.0", "0000:01:00.0");
	expect_addr("0000:01:10.5", "0000:01:10.5"); /* a VF with no netdev */
	assert_int_equal(pci_resolve_name("09:00.0", &a), -ENODEV);
	assert_int_equal(pci_resolve_name("eth9", &a), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_igb_pf),	       cmocka_unit_test(test_igb_vfs),
		cmocka_unit_test(test_odd_functions), cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_virtio),	       cmocka_unit_test(test_list),
		cmocka_unit_test(test_sriov_igb),     cmocka_unit_test(test_sriov_odd),
		cmocka_unit_test(test_netdev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
