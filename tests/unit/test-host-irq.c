/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* src/host/irq.c and cpus.c on a copy of the virtio-2cpu fixture (a real
 * machine's tree), made writable under $TMPDIR and changed per test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "host/cpus.h"
#include "host/irq.h"
#include "../lib/tmp-root.h"

static char root[TMP_ROOT_MAX];
#define DEV "/sys/devices/pci0000:00/0000:00:03.0"

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmp_root_put(root, rel, content), 0);
}

static char *get(const char *rel)
{
	char p[512], *s = NULL;

	snprintf(p, sizeof(p), "%s", rel);
	assert_int_equal(read_full_file(p, 4096, &s, NULL), 0);
	return s;
}

static int setup(void **state)
{
	if (tmp_root_new(root, "irq") < 0 || tmp_root_copy(root, "virtio-2cpu", "") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return tmp_root_remove(root);
}

static void test_vectors(void **state)
{
	PciAddr a;
	unsigned *v = NULL;
	size_t n;

	assert_int_equal(pci_addr_parse("0000:00:03.0", &a), 0);
	assert_int_equal(irq_pci_vectors(&a, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 37);
	assert_int_equal(v[2], 39);
	free(v);

	/* Numeric order, not the directory's string order; junk is skipped. */
	put(DEV "/msi_irqs/100", "msix\n");
	put(DEV "/msi_irqs/9", "msix\n");
	put(DEV "/msi_irqs/junk", "");
	put(DEV "/msi_irqs/0100", "");
	assert_int_equal(irq_pci_vectors(&a, &v, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(v[0], 9);
	assert_int_equal(v[4], 100);
	free(v);

	/* A function without MSI has no msi_irqs directory. */
	assert_int_equal(pci_addr_parse("0000:00:09.0", &a), 0);
	assert_int_equal(irq_pci_vectors(&a, &v, &n), -ENOENT);
}

static void test_affinity(void **state)
{
	CpuSet s, want;
	char *t;

	assert_int_equal(irq_read_affinity(38, &s), 0);
	assert_int_equal(cpuset_parse_list("0-1", &want), 0);
	assert_true(cpuset_equal(&s, &want));
	assert_int_equal(irq_read_effective_affinity(38, &s), 0);
	assert_int_equal(cpuset_count(&s), 1);
	assert_int_equal(irq_read_affinity(999, &s), -ENOENT);

	put("/proc/irq/37/smp_affinity_list", "garbage\n");
	assert_int_equal(irq_read_affinity(37, &s), -EINVAL);
	put("/proc/irq/37/smp_affinity_list", "");
	assert_int_equal(irq_read_affinity(37, &s), 0);
	assert_int_equal(cpuset_count(&s), 0);

	assert_int_equal(cpuset_parse_list("1,3-5", &want), 0);
	assert_int_equal(irq_write_affinity(39, &want), 0);
	t = get("/proc/irq/39/smp_affinity_list");
	assert_string_equal(t, "1,3-5");
	free(t);
	cpuset_zero(&want);
	assert_int_equal(irq_write_affinity(39, &want), -EINVAL);
	cpuset_set(&want, 0);
	assert_int_equal(irq_write_affinity(999, &want), -ENOENT);
}

static void test_actions(void **state)
{
	char *s = NULL, p[512];

	assert_int_equal(irq_read_actions(38, &s), 0);
	assert_string_equal(s, "virtio2-input.0");
	free(s);
	snprintf(p, sizeof(p), "%s/proc/irq/38/zz-shared", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(irq_read_actions(38, &s), 0);
	assert_string_equal(s, "virtio2-input.0,zz-shared");
	free(s);
	snprintf(p, sizeof(p), "%s/proc/irq/77", root);
	assert_int_equal(mkdir(p, 0755), 0);
	s = (char *)"untouched";
	assert_int_equal(irq_read_actions(77, &s), 0);
	assert_null(s);
}

static void test_cpus(void **state)
{
	CpuSet s;

	assert_int_equal(cpus_online(&s), 0);
	assert_int_equal(cpuset_count(&s), 2);
	/* The real file holds an empty line: no CPU is isolated. */
	assert_int_equal(cpus_isolated(&s), 0);
	assert_int_equal(cpuset_count(&s), 0);
	put("/sys/devices/system/cpu/isolated", "2-3,6\n");
	assert_int_equal(cpus_isolated(&s), 0);
	assert_int_equal(cpuset_count(&s), 3);
	assert_true(cpuset_isset(&s, 6));
	assert_int_equal(cpus_of_node(0, &s), 0);
	assert_int_equal(cpuset_count(&s), 2);
	assert_int_equal(cpus_of_node(1, &s), -ENOENT);
	assert_int_equal(cpus_of_node(-1, &s), -EINVAL);
	put("/sys/devices/system/cpu/online", "0-\n");
	assert_int_equal(cpus_online(&s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_cpus),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
