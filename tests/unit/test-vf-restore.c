/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/vf-restore.h"

static const uint8_t zero[6], ours[6] = { 0x56, 0x2e, 0xf2, 0x8c, 0x6a, 0x64 };

/* Seen in the lab's chaos run: a VF of a PF split by hand (autoprobe 0),
 * which kvmnetd bound to vfio-pci and gave its MAC, and libvirt left so
 * after the VM stopped. */
static VfRestoreInput lab_vf(void)
{
	VfRestoreInput in = { .orig_override = NULL, .has_orig_mac = true, .override = "vfio-pci",
			      .driver = "vfio-pci", .has_mac = true };

	memcpy(in.orig_mac, zero, 6);
	memcpy(in.mac, ours, 6);
	return in;
}

static void test_back_to_driverless(void **state)
{
	VfRestoreInput in = lab_vf();
	VfRestore r;

	vf_restore_decide(&in, &r);
	assert_false(r.held);
	assert_true(r.set_mac);
	assert_true(r.unbind);
	assert_true(r.set_override);
	assert_false(r.probe); /* autoprobe off, no override: born driverless */
	assert_false(r.done);
	(void)state;
}

static void test_autoprobe_probes(void **state)
{
	VfRestoreInput in = lab_vf();
	VfRestore r;

	in.autoprobe = true;
	vf_restore_decide(&in, &r);
	assert_true(r.unbind);
	assert_true(r.probe);
	(void)state;
}

static void test_held_untouched(void **state)
{
	VfRestoreInput in = lab_vf();
	VfRestore r;

	in.held = true;
	vf_restore_decide(&in, &r);
	assert_true(r.held);
	assert_false(r.set_mac || r.unbind || r.set_override || r.probe || r.done);
	(void)state;
}

static void test_already_back(void **state)
{
	VfRestoreInput in = lab_vf();
	VfRestore r;

	in.override = NULL;
	in.driver = NULL;
	memcpy(in.mac, zero, 6);
	vf_restore_decide(&in, &r);
	assert_true(r.done);
	assert_false(r.set_mac || r.unbind || r.set_override || r.probe);
	/* an unknown original MAC is never written */
	in.has_orig_mac = false;
	memcpy(in.mac, ours, 6);
	vf_restore_decide(&in, &r);
	assert_true(r.done);
	(void)state;
}

static void test_found_on_vfio(void **state)
{
	VfRestoreInput in = lab_vf();
	VfRestore r;

	/* someone had it on vfio-pci with that override: it stays there */
	in.orig_override = "vfio-pci";
	vf_restore_decide(&in, &r);
	assert_false(r.unbind);
	assert_false(r.set_override);
	assert_true(r.set_mac);
	/* a driverless VF whose override kvmnetd set: only the override */
	in = lab_vf();
	in.driver = NULL;
	vf_restore_decide(&in, &r);
	assert_false(r.unbind);
	assert_true(r.set_override);
	assert_false(r.probe);
	/* found with an override naming a host driver: probed back to it */
	in = lab_vf();
	in.orig_override = "igbvf";
	vf_restore_decide(&in, &r);
	assert_true(r.unbind && r.set_override && r.probe);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_back_to_driverless), cmocka_unit_test(test_autoprobe_probes),
		cmocka_unit_test(test_held_untouched),	   cmocka_unit_test(test_already_back),
		cmocka_unit_test(test_found_on_vfio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
