/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/core/iommu-cmdline: the IOMMU's kernel parameters and the edit of
 * /etc/default/grub. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "core/iommu-cmdline.h"

static void expect_change(const char *cmdline, const char *vendor, const char *add, const char *remove)
{
	IommuChange c;
	char a[256] = "", r[256] = "";

	assert_int_equal(iommu_change_for(cmdline, vendor, &c), 0);
	STRV_FOREACH(w, c.add)
		strcat(strcat(a, *a ? " " : ""), *w);
	STRV_FOREACH(w, c.remove)
		strcat(strcat(r, *r ? " " : ""), *w);
	assert_string_equal(a, add);
	assert_string_equal(r, remove);
	iommu_change_done(&c);
}

static void test_change(void **state)
{
	IommuChange c;

	expect_change("BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet", "GenuineIntel", "intel_iommu=on iommu=pt", "");
	expect_change("ro intel_iommu=on iommu=pt", "GenuineIntel", "", "");
	expect_change("ro intel_iommu=on,sm_on iommu=pt", "GenuineIntel", "", "");
	/* The last occurrence wins, as in the kernel. */
	expect_change("intel_iommu=on intel_iommu=off iommu=pt", "GenuineIntel", "intel_iommu=on", "");
	expect_change("iommu=off", "GenuineIntel", "intel_iommu=on iommu=pt", "");
	/* After "--" the words are init's. */
	expect_change("ro -- intel_iommu=on iommu=pt", "GenuineIntel", "intel_iommu=on iommu=pt", "");
	expect_change("ro", "AuthenticAMD", "iommu=pt", "");
	expect_change("ro amd_iommu=off iommu=pt", "AuthenticAMD", "", "amd_iommu=off");
	expect_change("", "AuthenticAMD", "iommu=pt", "");
	assert_int_equal(iommu_change_for("ro", "CentaurHauls", &c), -EOPNOTSUPP);
	assert_int_equal(iommu_change_for("ro", "", &c), -EOPNOTSUPP);
}

static void expect_edit(const char *text, const char *vendor, const char *want, bool want_changed)
{
	_cleanup_free_ char *out = NULL, *again = NULL;
	IommuChange c;
	bool changed;

	assert_int_equal(iommu_change_full(vendor, &c), 0);
	assert_int_equal(grub_default_edit(text, &c, &out, &changed), 0);
	assert_string_equal(out, want);
	assert_true(changed == want_changed);
	/* Idempotent: a second edit changes nothing. */
	assert_int_equal(grub_default_edit(out, &c, &again, &changed), 0);
	assert_string_equal(again, out);
	assert_false(changed);
	iommu_change_done(&c);
}

static void test_grub_edit(void **state)
{
	const char *debian = "# comment GRUB_CMDLINE_LINUX=\"x\"\nGRUB_DEFAULT=0\n"
			     "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0,115200 net.ifnames=0\"\n"
			     "GRUB_TIMEOUT=5\n";

	expect_edit(debian, "GenuineIntel",
		    "# comment GRUB_CMDLINE_LINUX=\"x\"\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		    "GRUB_CMDLINE_LINUX=\"console=ttyS0,115200 net.ifnames=0 intel_iommu=on iommu=pt\"\nGRUB_TIMEOUT=5\n",
		    true);
	/* Single quotes kept, a value replaced in place, a duplicate dropped. */
	expect_edit("GRUB_CMDLINE_LINUX='iommu=off ro intel_iommu=off intel_iommu=on'\n", "GenuineIntel",
		    "GRUB_CMDLINE_LINUX='iommu=pt ro intel_iommu=on'\n", true);
	/* Empty, unquoted, absent; the last assignment is the one. */
	expect_edit("GRUB_CMDLINE_LINUX=\"\"\n", "GenuineIntel", "GRUB_CMDLINE_LINUX=\"intel_iommu=on iommu=pt\"\n", true);
	expect_edit("GRUB_CMDLINE_LINUX=\n", "AuthenticAMD", "GRUB_CMDLINE_LINUX=iommu=pt\n", true);
	expect_edit("GRUB_CMDLINE_LINUX=ro # keep\n", "AuthenticAMD", "GRUB_CMDLINE_LINUX=\"ro iommu=pt\" # keep\n", true);
	expect_edit("GRUB_TIMEOUT=5", "GenuineIntel", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"intel_iommu=on iommu=pt\"\n",
		    true);
	expect_edit("", "AuthenticAMD", "GRUB_CMDLINE_LINUX=\"iommu=pt\"\n", true);
	expect_edit("GRUB_CMDLINE_LINUX=\"a\"\n  GRUB_CMDLINE_LINUX=\"b amd_iommu=off\"\n", "AuthenticAMD",
		    "GRUB_CMDLINE_LINUX=\"a\"\n  GRUB_CMDLINE_LINUX=\"b iommu=pt\"\n", true);
	expect_edit("GRUB_CMDLINE_LINUX=\"intel_iommu=on iommu=pt\"\n", "GenuineIntel",
		    "GRUB_CMDLINE_LINUX=\"intel_iommu=on iommu=pt\"\n", false);
}

static void test_grub_refused(void **state)
{
	static const char *const bad[] = {
		"GRUB_CMDLINE_LINUX=\"ro\n",
		"GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX ro\"\n",
		"GRUB_CMDLINE_LINUX=\"a\\\"b\"\n",
		"GRUB_CMDLINE_LINUX='it\"s'\n",
		"GRUB_CMDLINE_LINUX=$X\n",
	};
	IommuChange c;

	assert_int_equal(iommu_change_full("GenuineIntel", &c), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *out = NULL;
		bool changed;

		assert_int_equal(grub_default_edit(bad[i], &c, &out, &changed), -EINVAL);
		assert_null(out);
	}
	iommu_change_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_grub_edit),
		cmocka_unit_test(test_grub_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
