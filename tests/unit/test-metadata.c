/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The opt-out metadata: the pure parser, and libvirt's test driver for
 * the round trip through virDomainSetMetadata/GetMetadata. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "virt/metadata.h"
#include "virt/virt-conn.h"

static void test_parse(void **state)
{
	bool m = false;

	assert_int_equal(kvmnet_metadata_parse("<domain manage=\"no\"/>", &m), 0);
	assert_false(m);
	assert_int_equal(kvmnet_metadata_parse("<kvmnet:domain xmlns:kvmnet=\"" KVMNET_METADATA_NS
					       "\" manage='yes'/>", &m), 0);
	assert_true(m);
	m = false;
	assert_int_equal(kvmnet_metadata_parse("<domain/>", &m), 0);
	assert_true(m);
	assert_int_equal(kvmnet_metadata_parse("<domain manage='maybe'/>", &m), -EINVAL);
	assert_int_equal(kvmnet_metadata_parse("<other manage='no'/>", &m), -EINVAL);
	assert_int_equal(kvmnet_metadata_parse("<domain", &m), -EINVAL);
	assert_int_equal(kvmnet_metadata_parse("", &m), -EINVAL);
}

/* kvmnetctl vm migrate's opt-out: manage= set, everything else kept; no
 * element makes one; one that is not ours is refused. */
static void test_with_manage(void **state)
{
	char *out = NULL;
	bool m = true;

	assert_int_equal(kvmnet_metadata_with_manage(NULL, "no", &out), 0);
	assert_string_equal(out, "<domain manage=\"no\"/>");
	free(out);
	assert_int_equal(kvmnet_metadata_with_manage("<domain xmlns=\"" KVMNET_METADATA_NS "\" numa=\"preferred\">"
						     "<vf vlan=\"100\"/></domain>", "no", &out), 0);
	assert_non_null(strstr(out, "numa=\"preferred\""));
	assert_non_null(strstr(out, "<vf vlan=\"100\"/>"));
	assert_int_equal(kvmnet_metadata_parse(out, &m), 0);
	assert_false(m);
	free(out);
	assert_int_equal(kvmnet_metadata_with_manage("<other/>", "no", &out), -EINVAL);
	assert_int_equal(kvmnet_metadata_with_manage("<domain", "no", &out), -EINVAL);
}

static void test_libvirt(void **state)
{
	virConnectPtr c = NULL;
	virDomainPtr d;
	char uuid[VIR_UUID_STRING_BUFLEN];
	bool m = false;

	assert_int_equal(virt_conn_open("test:///default", 0, &c, NULL), 0);
	d = virDomainLookupByName(c, "test");
	assert_non_null(d);
	assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
	assert_int_equal(virt_domain_managed(c, uuid, &m), 0);
	assert_true(m);
	assert_int_equal(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "<domain manage='no'/>", "kvmnet",
					      KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE),
			 0);
	assert_int_equal(virt_domain_managed(c, uuid, &m), 0);
	assert_false(m);
	/* Neither yes nor no: unknown, an error with the element, never an
	 * opt-out that nobody hears of. */
	assert_int_equal(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "<domain manage='Yes'/>", "kvmnet",
					      KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE),
			 0);
	m = true;
	assert_int_equal(virt_domain_managed(c, uuid, &m), -EBADMSG);
	{
		char *xml = NULL;

		assert_int_equal(virt_domain_metadata(c, uuid, &m, &xml), -EBADMSG);
		assert_non_null(xml);
		assert_non_null(strstr(xml, "manage=\"Yes\""));
		free(xml);
	}
	/* Gone, or stopped since the caller listed it: -ENOENT, which the
	 * daemon leaves out instead of calling the VM unknown. */
	assert_int_equal(virt_domain_managed(c, "00000000-0000-0000-0000-000000000000", &m), -ENOENT);
	assert_int_equal(virDomainDestroy(d), 0);
	assert_int_equal(virt_domain_managed(c, uuid, &m), -ENOENT);
	virDomainFree(d);
	virt_conn_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_with_manage),
		cmocka_unit_test(test_libvirt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
