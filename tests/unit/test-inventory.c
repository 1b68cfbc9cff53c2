/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* host/inventory*.c: the sysfs gatherer on fixtures, and the source seams
 * with fillers written here (one that works, one that cannot connect). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "model/inventory-json.h"
#include "host/inventory.h"

static Inventory *read_inv(const char *fixture)
{
	Inventory *inv = NULL;

	use_fixture(fixture);
	assert_int_equal(inventory_read(&inv), 0);
	assert_non_null(inv);
	return inv;
}

static void test_igb(void **state)
{
	Inventory *inv = read_inv("igb-82576");

	assert_string_equal(inv->kernel, "6.1.0-28-amd64");
	assert_true(inv->pci.known);
	assert_false(inv->vms.known);
	assert_int_equal(inv->n_nics, 2); /* VFs are under their PFs */
	assert_string_equal(inv->nics[0].pci->addr, "0000:01:00.0");
	assert_non_null(inv->nics[0].sriov);
	assert_int_equal(inv->nics[0].n_vfs, 3);
	assert_string_equal(inv->nics[0].vfs[2].addr, "0000:01:10.4");
	assert_null(inv->nics[0].vfs[2].pci->driver);
	assert_int_equal(inv->nics[1].vfs[0].index, 0);
	assert_string_equal(inv->nics[1].vfs[0].pci->driver, "vfio-pci");
	assert_ptr_equal(inventory_find_nic(inv, "01:00.1"), &inv->nics[1]);
	assert_ptr_equal(inventory_find_vf(inv, "0000:01:10.3", NULL), &inv->nics[1].vfs[1]);
	assert_null(inventory_find_vf(inv, "0000:01:00.0", NULL));
	inventory_free(inv);
}

static void test_odd(void **state)
{
	Inventory *inv = read_inv("odd");
	InvNic *pf;

	assert_null(inv->kernel); /* no osrelease */
	/* igb PF, orphan VF, PF with unreadable numvfs, NVMe PF; not the SATA
	 * controller, the root ports, or the NIC without a class file. */
	assert_int_equal(inv->n_nics, 4);
	assert_string_equal(inv->nics[1].pci->addr, "0000:05:10.2");
	assert_string_equal(inv->nics[1].pci->physfn, "0000:05:00.0");
	assert_string_equal(inv->nics[3].pci->class_id, "0x010802");
	pf = &inv->nics[0];
	assert_int_equal(pf->n_vfs, 5);
	assert_null(pf->vfs[2].addr); /* gap */
	assert_null(pf->vfs[2].pci);
	assert_string_equal(pf->vfs[3].addr, "0000:05:10.3");
	assert_null(pf->vfs[3].pci); /* dangling: not readable */
	assert_non_null(pf->vfs[4].pci);
	assert_int_equal(inv->nics[2].sriov->numvfs, -1);
	inventory_free(inv);
}

static void test_no_sysfs(void **state)
{
	Inventory *inv = read_inv("does-not-exist");

	assert_false(inv->pci.known);
	assert_non_null(strstr(inv->pci.reason, "/sys/bus/pci/devices"));
	assert_int_equal(inv->n_nics, 0);
	inventory_free(inv);
}

static int fill_attrs(Inventory *inv, const InventoryOptions *o, char **reason)
{
	InvVfAttrs a = { .mac = "52:54:00:aa:bb:01", .vlan = 100, .qos = 0, .spoofchk = 1, .trust = 0,
			 .link_state = "auto" };

	assert_int_equal(inventory_set_vf_attrs(inv, "0000:01:00.0", 1, &a), 0);
	assert_int_equal(inventory_set_vf_attrs(inv, "0000:01:00.0", 3, &a), -ENOENT);
	assert_int_equal(inventory_set_vf_attrs(inv, "0000:09:00.0", 0, &a), -ENOENT);
	assert_int_equal(inventory_set_vf_attrs_unknown(inv, "0000:01:00.1", "enp1s0f1 is down"), 0);
	return 0;
}

static int fill_irqs(Inventory *inv, const InventoryOptions *o, char **reason)
{
	InvIrqCount c[] = { { 0, 12 }, { 3, 7 } };
	InvIrq q = { .irq = 40, .name = "enp1s0f0", .counts = c, .n_counts = 2, .affinity = "0-3",
		     .effective_affinity = "0" };

	assert_int_equal(inventory_set_irqs(inv, "0000:01:00.0", &q, 1), 0);
	assert_int_equal(inventory_set_irqs(inv, "0000:01:10.0", NULL, 0), 0); /* a VF, no vectors */
	assert_int_equal(inventory_set_irqs(inv, "0000:00:01.0", &q, 1), -ENOENT);
	return 0;
}

static int fill_vms_down(Inventory *inv, const InventoryOptions *o, char **reason)
{
	assert_int_equal(asprintf(reason, "cannot connect to %s: no such file", o->libvirt_uri) > 0, 1);
	return -ECONNREFUSED;
}

static int fill_vms(Inventory *inv, const InventoryOptions *o, char **reason)
{
	InvVmNic nics[] = {
		{ .type = "hostdev", .mac = "52:54:00:aa:bb:01", .pci_addr = "0000:01:10.2" },
		{ .type = "network", .mac = "52:54:00:aa:bb:02", .model = "virtio", .source = "default",
		  .target = "vnet0" },
	};
	InvVm vm = { .name = "web1", .uuid = "0f6b1a52-8c51-4f0e-9d2e-1f2a3b4c5d6e", .nics = nics, .n_nics = 2 };

	return inventory_add_vm(inv, &vm);
}

static const char *jstr(json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, strtoul(k, NULL, 10));
		else
			o = json_object_object_get(o, k);
	}
	return o ? json_object_get_string(o) : NULL;
}

static void test_sources_down(void **state)
{
	InventorySources s = { .vf_attrs = fill_attrs, .irqs = NULL, .vms = fill_vms_down };
	InventoryOptions o = { .libvirt_uri = "test:///nonexistent" };
	Inventory *inv = read_inv("igb-82576");
	json_object *j = NULL;

	inventory_fill(inv, &s, &o);
	assert_true(inv->vf_attrs.known);
	assert_false(inv->irqs.known);
	assert_non_null(strstr(inv->irqs.reason, "does not read"));
	assert_false(inv->vms.known);
	assert_string_equal(inv->vms.reason, "cannot connect to test:///nonexistent: no such file");
	assert_int_equal(inventory_to_json(inv, &j), 0);
	/* The host is all there; holders are unknown and say why. */
	assert_string_equal(jstr(j, "nics.0.sriov.vfs.1.mac"), "52:54:00:aa:bb:01");
	assert_string_equal(jstr(j, "nics.0.sriov.vfs.1.vlan"), "100");
	assert_string_equal(jstr(j, "nics.0.sriov.vfs.1.spoofchk"), "true");
	assert_null(jstr(j, "nics.0.sriov.vfs.0.mac"));
	assert_string_equal(jstr(j, "nics.1.sriov.vf_attrs_reason"), "enp1s0f1 is down");
	assert_string_equal(jstr(j, "sources.vms.known"), "false");
	assert_string_equal(jstr(j, "sources.vms.reason"), "cannot connect to test:///nonexistent: no such file");
	assert_null(json_object_object_get(j, "vms"));
	assert_null(jstr(j, "nics.0.sriov.vfs.1.held_by"));
	json_object_put(j);
	inventory_free(inv);
}

static void test_sources_up(void **state)
{
	InventorySources s = { .irqs = fill_irqs, .vms = fill_vms };
	Inventory *inv = read_inv("igb-82576");
	json_object *j = NULL;

	inventory_fill(inv, &s, NULL);
	assert_true(inv->irqs.known);
	assert_true(inv->vms.known);
	assert_null(inv->vms.reason);
	assert_string_equal(inv->nics[0].vfs[1].holder, "web1");
	assert_int_equal(inventory_to_json(inv, &j), 0);
	assert_string_equal(jstr(j, "nics.0.sriov.vfs.1.held_by"), "web1");
	assert_null(jstr(j, "nics.0.sriov.vfs.0.held_by"));
	assert_string_equal(jstr(j, "nics.0.interrupts.0.name"), "enp1s0f0");
	assert_string_equal(jstr(j, "nics.0.interrupts.0.total"), "19");
	assert_string_equal(jstr(j, "nics.0.interrupts.0.counts.3"), "7");
	/* Not said by the source: null.  Said, with no vectors: []. */
	assert_null(json_object_object_get(json_object_array_get_idx(json_object_object_get(j, "nics"), 1),
					   "interrupts"));
	assert_string_equal(jstr(j, "nics.0.sriov.vfs.0.interrupts"), "[ ]");
	assert_string_equal(jstr(j, "vms.0.name"), "web1");
	assert_string_equal(jstr(j, "vms.0.nics.0.pci_address"), "0000:01:10.2");
	assert_string_equal(jstr(j, "vms.0.nics.1.target"), "vnet0");
	json_object_put(j);
	inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_igb),	     cmocka_unit_test(test_odd),	cmocka_unit_test(test_no_sysfs),
		cmocka_unit_test(test_sources_down), cmocka_unit_test(test_sources_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
