/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether libvirt is migrating a domain (virt/migration.h): the pure
 * readings of a state reason and of a job, and libvirt's test driver,
 * which has no job API, for the calls themselves.  A domain really
 * migrating needs two libvirt hosts: the lab (tests/lab/t-migrate.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "virt/migration.h"
#include "virt/virt-conn.h"

static void test_state(void **state)
{
	/* under way: paused for it (the source's last phase, and the
	 * destination until it runs there), or post-copy either way */
	assert_non_null(virt_migration_state(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION));
	assert_non_null(virt_migration_state(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY));
	assert_non_null(virt_migration_state(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED));
	assert_non_null(virt_migration_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY));
	assert_non_null(virt_migration_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY_FAILED));
	/* over: migrated here, cancelled, or nothing to do with one */
	assert_null(virt_migration_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED));
	assert_null(virt_migration_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATION_CANCELED));
	assert_null(virt_migration_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED));
	assert_null(virt_migration_state(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER));
	/* the same numbers under another state */
	assert_null(virt_migration_state(VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED_MIGRATION));
	assert_null(virt_migration_state(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_PAUSED_MIGRATION));
}

static void test_job(void **state)
{
	const char *what = NULL;

	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT, &what), 1);
	assert_string_equal(what, "outgoing migration job");
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_BOUNDED, VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN, &what), 1);
	assert_string_equal(what, "incoming migration job");
	/* no job, or one that ended: not migrating */
	what = NULL;
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_NONE, -1, &what), 0);
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_COMPLETED, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT, &what), 0);
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_CANCELLED, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT, &what), 0);
	/* a job of another kind */
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_BACKUP, &what), 0);
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_SNAPSHOT, &what), 0);
	assert_null(what);
	/* a job whose kind libvirt does not say, or one not known here:
	 * perhaps a migration, so not "not migrating" */
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_UNBOUNDED, -1, &what), -EBADMSG);
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_BOUNDED, VIR_DOMAIN_JOB_OPERATION_UNKNOWN, &what), -EBADMSG);
	assert_int_equal(virt_migration_job(VIR_DOMAIN_JOB_BOUNDED, 99, &what), -EBADMSG);
	assert_null(what);
}

/* The test driver answers virDomainGetState, and neither job call
 * (VIR_ERR_NO_SUPPORT): its state reason alone tells. */
static void test_libvirt(void **state)
{
	virConnectPtr c = NULL;
	virDomainPtr d;
	char uuid[VIR_UUID_STRING_BUFLEN];
	const char *what = "x";
	char *cause = NULL;
	bool m = true;

	assert_int_equal(virt_conn_open("test:///default", 0, &c, NULL), 0);
	d = virDomainLookupByName(c, "test");
	assert_non_null(d);
	assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
	assert_int_equal(virt_domain_migration(c, uuid, &m, &what, &cause), 0);
	assert_false(m);
	assert_null(what);
	assert_null(cause);
	assert_int_equal(virDomainSuspend(d), 0);
	assert_int_equal(virt_domain_migration(c, uuid, &m, &what, &cause), 0);
	assert_false(m);
	/* a domain that is gone: what could not be read, said */
	assert_int_not_equal(virt_domain_migration(c, "00000000-0000-0000-0000-000000000001", &m, &what, &cause), 0);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "whether libvirt is migrating it"));
	free(cause);
	virDomainFree(d);
	virt_conn_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_job),
		cmocka_unit_test(test_libvirt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
