/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kernel's side of the SR-IOV sysfs writes, played on a fake tree
 * (copied from tests/fixtures/sriov-igb) through sriov_set_write_hook():
 * sriov_numvfs creates and removes VF directories and virtfnN links with
 * the kernel's rules (ERANGE above totalvfs, EBUSY from nonzero to another
 * nonzero), autoprobe decides whether igbvf binds new VFs, driver_override,
 * unbind and drivers_probe move driver links.  Faults can be injected.
 */

typedef struct FakeKernel {
	char *root;	      /* the copied tree, also $KVMNET_SYSROOT */
	int writes;	      /* writes the engine attempted */
	const char *fail_path; /* suffix of a path whose write fails ... */
	int fail_nth;	      /* ... on its nth write (1-based; 0 = every one) */
	int fail_error;	      /* ... with this -errno */
	int fail_seen;
	int probe_noop;	      /* drivers_probe binds nothing (a stuck kernel) */
} FakeKernel;

/* Copy the fixture to a fresh temporary root, point KVMNET_SYSROOT at it
 * and install the hook. */
int fake_kernel_setup(FakeKernel *k, const char *fixture);
void fake_kernel_teardown(FakeKernel *k);
/* Path under the fake root, for assertions; static buffer. */
const char *fake_path(const FakeKernel *k, const char *rel);
/* Read a small file under the root into a static buffer, "" if absent. */
const char *fake_read(const FakeKernel *k, const char *rel);
/* Bind a VF to a driver directly, as if it had been before the test. */
int fake_bind(const FakeKernel *k, const char *vf, const char *driver);
