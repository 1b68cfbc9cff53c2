/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text parsers behind kvmnetctl check: kernel command line,
 * /proc/cpuinfo, module lists; odd input included. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "host/cmdline.h"
#include "host/cpuinfo.h"
#include "host/kmod.h"

static void expect_key(const char *line, const char *key, const char *want)
{
	char *v = NULL;
	int r = cmdline_get_key(line, key, &v);

	if (!want) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(v, want);
	free(v);
}

static void test_cmdline(void **state)
{
	const char *real = "BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=1 ro quiet intel_iommu=on iommu=pt\n";

	expect_key(real, "intel_iommu", "on");
	expect_key(real, "iommu", "pt");
	expect_key(real, "ro", "");
	expect_key(real, "amd_iommu", NULL);
	/* A prefix of a key is not the key. */
	expect_key("intel_iommu=on", "intel", NULL);
	expect_key("iommu.passthrough=1", "iommu", NULL);
	/* The last one wins, as in the kernel. */
	expect_key("iommu=pt iommu=off", "iommu", "off");
	/* After "--" the words belong to init. */
	expect_key("quiet -- iommu=pt", "iommu", NULL);
	expect_key("a=\"x y\" iommu=pt", "a", "x y");
	expect_key("a=\"x y iommu=pt", "iommu", NULL); /* unterminated quote swallows the rest */
	expect_key("\tiommu=pt\r\n", "iommu", "pt");
	expect_key("", "iommu", NULL);
	expect_key("   ", "iommu", NULL);
	expect_key("iommu=", "iommu", "");
	assert_int_equal(cmdline_get_key("x", "", &(char *){ NULL }), -EINVAL);
}

static void test_cmdline_huge(void **state)
{
	size_t n = 1 << 20;
	char *line = malloc(n + 32);

	assert_non_null(line);
	memset(line, 'a', n);
	strcpy(line + n, " iommu=pt");
	expect_key(line, "iommu", "pt");
	free(line);
}

static const char cpuinfo_intel[] = "processor\t: 0\n"
				    "vendor_id\t: GenuineIntel\n"
				    "model name\t: Intel(R) Xeon(R) CPU E5-2630 v4 @ 2.20GHz\n"
				    "flags\t\t: fpu vme de pse msr vmx smx est tm2 ssse3\n"
				    "vmx flags\t: vnmi preemption_timer invvpid ept_x_only\n"
				    "\n"
				    "processor\t: 1\n"
				    "vendor_id\t: GenuineIntel\n"
				    "flags\t\t: fpu vme svm\n";

static void test_cpuinfo(void **state)
{
	CpuInfo ci;

	assert_int_equal(cpuinfo_parse(cpuinfo_intel, &ci), 0);
	assert_string_equal(ci.vendor_id, "GenuineIntel");
	assert_true(ci.vmx);
	/* Only the first CPU counts. */
	assert_false(ci.svm);
	assert_false(ci.hypervisor);

	assert_int_equal(cpuinfo_parse("vendor_id : AuthenticAMD\nflags : svm hypervisor\n", &ci), 0);
	assert_string_equal(ci.vendor_id, "AuthenticAMD");
	assert_true(ci.svm && ci.hypervisor && !ci.vmx);
	/* "vmx flags" is not "flags"; a word inside another is not a flag. */
	assert_int_equal(cpuinfo_parse("vmx flags : ept\n", &ci), -EINVAL);
	assert_int_equal(cpuinfo_parse("flags : vmxx svm_lock\n", &ci), 0);
	assert_false(ci.vmx || ci.svm);
	/* No vendor line: empty vendor, flags still read. */
	assert_int_equal(cpuinfo_parse("flags: vmx", &ci), 0);
	assert_string_equal(ci.vendor_id, "");
	assert_true(ci.vmx);
	assert_int_equal(cpuinfo_parse("", &ci), -EINVAL);
	assert_int_equal(cpuinfo_parse("processor : 0\nBogoMIPS : 50.00\nFeatures : fp asimd\n", &ci), -EINVAL);
	/* A vendor longer than the field is cut, not overflowed. */
	assert_int_equal(cpuinfo_parse("vendor_id : AVeryLongVendorNameIndeed\nflags : vmx\n", &ci), 0);
	assert_int_equal(strlen(ci.vendor_id), sizeof(ci.vendor_id) - 1);
}

static void test_kmod_list(void **state)
{
	const char *dep = "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz\n"
			  "kernel/drivers/net/tun.ko:\n"
			  "kernel/drivers/vhost/vhost_net.ko.zst: kernel/drivers/vhost/vhost.ko.zst\n";
	const char *proc = "igb 311296 0 - Live 0x0000000000000000\nvfio_pci 16384 0 - Live 0x0\n";

	assert_true(kmod_list_has(dep, "vfio-pci"));
	assert_true(kmod_list_has(dep, "vfio_pci"));
	assert_false(kmod_list_has(dep, "vfio"));
	assert_false(kmod_list_has(dep, "vfio_pci_core")); /* only as a dependency */
	assert_true(kmod_list_has(dep, "tun"));
	assert_true(kmod_list_has(dep, "vhost-net"));
	assert_false(kmod_list_has(dep, "vhost"));
	assert_true(kmod_list_has(proc, "igb"));
	assert_true(kmod_list_has(proc, "vfio-pci"));
	assert_false(kmod_list_has(proc, "ig"));
	assert_false(kmod_list_has("", "igb"));
	assert_false(kmod_list_has("\n\n\n", "igb"));
	assert_false(kmod_list_has("/", "igb"));
	assert_false(kmod_list_has(".ko\n/.ko:", "igb"));
	assert_false(kmod_list_has("igb", ""));
	assert_true(kmod_list_has("kernel/igb.ko", "igb")); /* no newline at the end */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_huge),
		cmocka_unit_test(test_cpuinfo),
		cmocka_unit_test(test_kmod_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
