/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A VM's VF policy in its kvmnet metadata: the pure parser (decimal only,
 * an error naming the attribute), and the round trip through libvirt's
 * test driver (virt/vf-policy-read.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/vf-policy.h"
#include "virt/metadata.h"
#include "virt/vf-policy-read.h"
#include "virt/virt-conn.h"

static void test_full(void **state)
{
	VfConfig c;
	char *err = NULL, *s = NULL;

	assert_int_equal(vf_policy_parse("<domain manage='yes'><vf vlan='100' qos='3' spoofchk='off' trust='on' "
					 "link-state='disable' max-rate='500' min-rate='100'/></domain>",
					 &c, &err),
			 0);
	assert_null(err);
	assert_int_equal(c.mask, VF_ATTR_BIT(VF_ATTR_VLAN) | VF_ATTR_BIT(VF_ATTR_SPOOFCHK) | VF_ATTR_BIT(VF_ATTR_TRUST) |
					 VF_ATTR_BIT(VF_ATTR_LINK_STATE) | VF_ATTR_BIT(VF_ATTR_MAX_RATE) |
					 VF_ATTR_BIT(VF_ATTR_MIN_RATE));
	assert_int_equal(c.vlan, 100);
	assert_int_equal(c.qos, 3);
	assert_false(c.spoofchk);
	assert_true(c.trust);
	assert_int_equal(c.link_state, VF_LINK_STATE_DISABLE);
	assert_int_equal(c.max_rate, 500);
	assert_int_equal(c.min_rate, 100);
	assert_int_equal(vf_policy_format(&c, &s), 0);
	assert_string_equal(s, "vlan 100 qos 3, spoofchk off, trust on, link-state disable, max-rate 500, min-rate 100");
	free(s);
}

static void test_partial_and_none(void **state)
{
	VfConfig c;
	char *s = NULL;

	/* only what is named; the namespace prefix libvirt adds is fine */
	assert_int_equal(vf_policy_parse("<k:domain xmlns:k='" KVMNET_METADATA_NS "'><k:vf spoofchk='on'/></k:domain>",
					 &c, NULL),
			 0);
	assert_int_equal(c.mask, VF_ATTR_BIT(VF_ATTR_SPOOFCHK));
	assert_true(c.spoofchk);
	/* no <vf>: no policy; other children are someone else's */
	assert_int_equal(vf_policy_parse("<domain manage='no'><numa policy='required'/></domain>", &c, NULL), 0);
	assert_int_equal(c.mask, 0);
	assert_int_equal(vf_policy_format(&c, &s), 0);
	assert_string_equal(s, "none");
	free(s);
	/* vlan 0 is untagged, a number still */
	assert_int_equal(vf_policy_parse("<domain><vf vlan='0'/></domain>", &c, NULL), 0);
	assert_int_equal(c.mask, VF_ATTR_BIT(VF_ATTR_VLAN));
	assert_int_equal(c.vlan, 0);
	/* a limit of 0 is no limit, with or without the other */
	assert_int_equal(vf_policy_parse("<domain><vf max-rate='0' min-rate='10'/></domain>", &c, NULL), 0);
}

static void expect_error(const char *xml, const char *needle)
{
	VfConfig c = { .mask = 0x55 };
	char *err = NULL;

	assert_int_equal(vf_policy_parse(xml, &c, &err), -EINVAL);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
	assert_int_equal(c.mask, 0x55); /* untouched */
	free(err);
}

static void test_errors(void **state)
{
	expect_error("<domain><vf vlan='0x10'/></domain>", "vlan=\"0x10\">: expected a decimal number from 0 to 4094");
	expect_error("<domain><vf vlan='4095'/></domain>", "vlan=\"4095\"");
	expect_error("<domain><vf vlan='-1'/></domain>", "vlan=\"-1\"");
	expect_error("<domain><vf vlan=' 5'/></domain>", "vlan=\" 5\"");
	expect_error("<domain><vf vlan='10' qos='8'/></domain>", "qos=\"8\">: expected a decimal number from 0 to 7");
	expect_error("<domain><vf qos='3'/></domain>", "qos=\"3\">: expected a vlan=");
	expect_error("<domain><vf vlan='0' qos='3'/></domain>", "qos=\"3\"");
	expect_error("<domain><vf spoofchk='yes'/></domain>", "spoofchk=\"yes\">: expected on or off");
	expect_error("<domain><vf trust='ON'/></domain>", "trust=\"ON\"");
	expect_error("<domain><vf link-state='up'/></domain>", "link-state=\"up\">: expected auto, enable or disable");
	expect_error("<domain><vf max-rate='1.5'/></domain>", "max-rate=\"1.5\"");
	expect_error("<domain><vf max-rate='4294967296'/></domain>", "max-rate=\"4294967296\"");
	expect_error("<domain><vf min-rate='200' max-rate='100'/></domain>", "min-rate=\"200\">: expected at most max-rate");
	expect_error("<domain><vf vlans='5'/></domain>", "vlans=\"5\">: expected no such attribute");
	expect_error("<domain><vf vlan='5'/><vf vlan='6'/></domain>", "two <vf> elements");
	expect_error("<domain><vf vlan='5'></domain>", "not well-formed");
	/* the guest owner's control characters do not reach the log */
	expect_error("<domain><vf trust='o&#10;n'/></domain>", "trust=\"o n\"");
}

static void test_libvirt_round_trip(void **state)
{
	virConnectPtr c = NULL;
	virDomainPtr d;
	char uuid[VIR_UUID_STRING_BUFLEN], *cause = NULL;
	VfConfig p = { .mask = 0x55 };

	assert_int_equal(virt_conn_open("test:///default", 0, &c, NULL), 0);
	d = virDomainLookupByName(c, "test");
	assert_non_null(d);
	assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
	/* none yet: no policy */
	assert_int_equal(virt_domain_vf_policy(c, uuid, &p, &cause), 0);
	assert_int_equal(p.mask, 0);
	assert_int_equal(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "<domain><vf vlan='42' trust='on'/></domain>",
					      "kvmnet", KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE),
			 0);
	assert_int_equal(virt_domain_vf_policy(c, uuid, &p, &cause), 0);
	assert_int_equal(p.mask, VF_ATTR_BIT(VF_ATTR_VLAN) | VF_ATTR_BIT(VF_ATTR_TRUST));
	assert_int_equal(p.vlan, 42);
	assert_int_equal(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "<domain><vf vlan='x'/></domain>", "kvmnet",
					      KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE),
			 0);
	p.mask = 0x55;
	assert_int_equal(virt_domain_vf_policy(c, uuid, &p, &cause), -EBADMSG);
	assert_int_equal(p.mask, 0x55);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "VF policy does not parse: <vf vlan=\"x\">"));
	free(cause);
	virDomainFree(d);
	virConnectClose(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_partial_and_none),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_libvirt_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
