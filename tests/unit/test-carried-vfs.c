/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* model/carried-vfs: the transient failover members an incoming
 * migration's XML carries, which kvmnet's qemu hook refuses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "model/carried-vfs.h"
#include "model/domain-xml.h"

/* The XML libvirt 9.0 showed on the destination in the lab: the teamed
 * guest's transient member names the source's VF. */
static void test_lab_xml(void **state)
{
	char *xml = fixture_read("domain-xml/migrate-in.xml"), *list = NULL;

	assert_int_equal(carried_vfs(xml, &list, NULL, NULL), 1);
	assert_string_equal(list, "52:54:01:19:bc:d6 at 0000:01:10.0");
	free(list);
	free(xml);
}

#define VF(t) "<interface type='hostdev'><mac address='52:54:00:00:00:01'/><source><address type='pci' " \
	      "domain='0x0000' bus='0x01' slot='0x10' function='0x2'/></source>" t "</interface>"
#define META(m) "<domain><name>a</name><metadata><k:domain xmlns:k='" KVMNET_METADATA_NS "' manage='" m "'/>" \
		"</metadata><devices>" VF("<teaming type='transient' persistent='ua-x'/>") "</devices></domain>"

/* A plain <hostdev>, an unteamed hostdev interface and a persistent member
 * are not carried members; an opted-out domain is not kvmnet's to judge;
 * a manage= that is neither yes nor no is unknown, and counted. */
static void test_only_transient_members(void **state)
{
	const char *plain = "<domain><name>a</name><devices><hostdev mode='subsystem' type='pci'/>" VF("")
			    "<interface type='bridge'><teaming type='persistent'/></interface></devices></domain>";
	char *list = NULL, *err = NULL;
	bool unknown = true;

	assert_int_equal(carried_vfs(plain, &list, &unknown, NULL), 0);
	assert_false(unknown);
	assert_null(list);
	assert_int_equal(carried_vfs(META("no"), &list, NULL, NULL), 0);
	assert_null(list);
	/* unknown: counted, never let through on an unknown */
	assert_int_equal(carried_vfs(META("Yes"), &list, &unknown, NULL), 1);
	assert_true(unknown);
	free(list);
	list = NULL;
	assert_int_equal(carried_vfs(META("yes"), &list, &unknown, NULL), 1);
	assert_false(unknown);
	assert_string_equal(list, "52:54:00:00:00:01 at 0000:01:10.2");
	free(list);
	assert_int_equal(carried_vfs("<domain", &list, NULL, &err), -EINVAL);
	assert_non_null(strstr(err, "does not parse"));
	free(err);
	err = NULL;
	assert_int_equal(carried_vfs("<network/>", &list, NULL, &err), -EINVAL);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_xml),
		cmocka_unit_test(test_only_transient_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
