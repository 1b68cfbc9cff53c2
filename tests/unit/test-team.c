/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* core/team.c: which interface `kvmnetctl vm team` edits, and its refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/team.h"

static DomainDef *parse(const char *xml)
{
	DomainDef *d = NULL;
	char *err = NULL;

	if (domain_xml_parse(xml, strlen(xml), &d, &err) < 0)
		fail_msg("%s\n%s", err, xml);
	return d;
}

#define DOM(devs) "<domain><name>d</name><devices>" devs "</devices></domain>"
#define E1000(mac) "<interface type='bridge'><mac address='" mac "'/><model type='e1000'/></interface>"
#define VIRTIO(mac, extra) "<interface type='bridge'><mac address='" mac "'/><model type='virtio'/>" extra "</interface>"

static void test_alias_for_mac(void **state)
{
	char *a = NULL;

	assert_int_equal(team_alias_for_mac("52:54:00:AB:cd:01", &a), 0);
	assert_string_equal(a, "ua-kvmnet-525400abcd01");
	free(a);
	assert_int_equal(team_alias_for_mac("52:54:00:ab:cd", &a), -EINVAL);
	assert_int_equal(team_alias_for_mac("", &a), -EINVAL);
	assert_int_equal(team_alias_for_mac(NULL, &a), -EINVAL);
}

static void test_first_virtio(void **state)
{
	_cleanup_domain_def_ DomainDef *d = parse(DOM(E1000("52:54:00:00:00:01") VIRTIO("52:54:00:00:00:02", "")
						     VIRTIO("52:54:00:00:00:03", "")));
	TeamPlan p;

	assert_int_equal(team_plan(d, NULL, false, &p, NULL), 0);
	assert_int_equal(p.index, 1);
	assert_true(p.changes);
	assert_string_equal(p.alias, "ua-kvmnet-525400000002");
	assert_ptr_equal(p.edit.alias, p.alias);
	assert_int_equal(p.edit.teaming, IFACE_TEAMING_PERSISTENT);
	assert_string_equal(p.edit.mac, "52:54:00:00:00:02");
	assert_int_equal(p.edit.index, 1);
	team_plan_done(&p);
	/* By MAC in another case, and by alias. */
	assert_int_equal(team_plan(d, "52:54:00:00:00:03", false, &p, NULL), 0);
	assert_int_equal(p.index, 2);
	team_plan_done(&p);
}

static void test_idempotent_and_user_alias(void **state)
{
	_cleanup_domain_def_ DomainDef *done = parse(
		DOM(E1000("52:54:00:00:00:01") VIRTIO("52:54:00:00:00:02", "<teaming type='persistent'/>"
									   "<alias name='ua-kvmnet-525400000002'/>")));
	_cleanup_domain_def_ DomainDef *mine = parse(DOM(VIRTIO("52:54:00:00:00:02", "<alias name='ua-uplink'/>")));
	_cleanup_domain_def_ DomainDef *auto_alias = parse(DOM(VIRTIO("52:54:00:00:00:02", "<alias name='net0'/>")));
	TeamPlan p;

	assert_int_equal(team_plan(done, NULL, false, &p, NULL), 0);
	assert_false(p.changes);
	assert_int_equal(p.index, 1);
	team_plan_done(&p);
	assert_int_equal(team_plan(done, "ua-kvmnet-525400000002", false, &p, NULL), 0);
	assert_false(p.changes);
	team_plan_done(&p);
	/* Someone's ua- alias is kept and becomes the team's name. */
	assert_int_equal(team_plan(mine, NULL, false, &p, NULL), 0);
	assert_true(p.changes);
	assert_string_equal(p.alias, "ua-uplink");
	team_plan_done(&p);
	/* libvirt's own alias cannot be named by a transient member. */
	assert_int_equal(team_plan(auto_alias, NULL, false, &p, NULL), 0);
	assert_string_equal(p.alias, "ua-kvmnet-525400000002");
	team_plan_done(&p);
}

static void test_refusals(void **state)
{
	_cleanup_domain_def_ DomainDef *none = parse(DOM(E1000("52:54:00:00:00:01")));
	_cleanup_domain_def_ DomainDef *empty = parse(DOM(""));
	_cleanup_domain_def_ DomainDef *nomac = parse(DOM("<interface type='bridge'><model type='virtio'/></interface>"));
	_cleanup_domain_def_ DomainDef *two = parse(DOM(VIRTIO("52:54:00:00:00:01", "<teaming type='persistent'/>"
										 "<alias name='ua-a'/>")
							      VIRTIO("52:54:00:00:00:02", "")));
	TeamPlan p;
	char *err = NULL;

	assert_int_equal(team_plan(none, NULL, false, &p, &err), -EINVAL);
	assert_non_null(strstr(err, "no virtio NIC"));
	free(err);
	assert_int_equal(team_plan(empty, NULL, false, &p, &err), -EINVAL);
	assert_non_null(strstr(err, "0 interface(s)"));
	free(err);
	assert_int_equal(team_plan(none, "52:54:00:00:00:01", false, &p, &err), -EINVAL);
	assert_non_null(strstr(err, "model e1000, not virtio"));
	free(err);
	assert_int_equal(team_plan(none, "nope", false, &p, &err), -ENOENT);
	assert_non_null(strstr(err, "'nope'"));
	free(err);
	assert_int_equal(team_plan(none, "nope", true, &p, &err), -ENOENT);
	free(err);
	assert_int_equal(team_plan(nomac, NULL, false, &p, &err), -EINVAL);
	assert_non_null(strstr(err, "no MAC"));
	free(err);
	assert_int_equal(team_plan(two, "52:54:00:00:00:02", false, &p, &err), -EINVAL);
	assert_non_null(strstr(err, "ua-a is already"));
	free(err);
}

static void test_remove(void **state)
{
	_cleanup_domain_def_ DomainDef *ours = parse(DOM(VIRTIO("52:54:00:00:00:02", "<teaming type='persistent'/>"
										  "<alias name='ua-kvmnet-525400000002'/>")));
	_cleanup_domain_def_ DomainDef *theirs = parse(DOM(VIRTIO("52:54:00:00:00:02", "<teaming type='persistent'/>"
										    "<alias name='ua-uplink'/>")));
	_cleanup_domain_def_ DomainDef *paired = parse(DOM(
		VIRTIO("52:54:00:00:00:02", "<teaming type='persistent'/><alias name='ua-kvmnet-525400000002'/>")
		"<interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:02'/><source><address "
		"type='pci' domain='0' bus='3' slot='16' function='2'/></source><teaming type='transient' "
		"persistent='ua-kvmnet-525400000002'/></interface>"));
	_cleanup_domain_def_ DomainDef *plain = parse(DOM(VIRTIO("52:54:00:00:00:02", "")));
	TeamPlan p;
	char *err = NULL;

	assert_int_equal(team_plan(ours, NULL, true, &p, NULL), 0);
	assert_true(p.changes);
	assert_int_equal(p.edit.teaming, IFACE_TEAMING_REMOVE);
	assert_true(p.edit.drop_alias);
	assert_null(p.alias);
	team_plan_done(&p);
	assert_int_equal(team_plan(theirs, NULL, true, &p, NULL), 0);
	assert_true(p.changes);
	assert_false(p.edit.drop_alias);
	assert_string_equal(p.alias, "ua-uplink");
	team_plan_done(&p);
	assert_int_equal(team_plan(paired, NULL, true, &p, &err), -EINVAL);
	assert_non_null(strstr(err, "0000:03:10.2"));
	free(err);
	assert_int_equal(team_plan(plain, NULL, true, &p, NULL), 0);
	assert_false(p.changes);
	team_plan_done(&p);
	assert_int_equal(team_plan(plain, "52:54:00:00:00:02", true, &p, NULL), 0);
	assert_false(p.changes);
	team_plan_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias_for_mac),
		cmocka_unit_test(test_first_virtio),
		cmocka_unit_test(test_idempotent_and_user_alias),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
