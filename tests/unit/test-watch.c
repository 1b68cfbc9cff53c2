/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt watcher against libvirt's own test driver (test:///default,
 * in-process, real libvirt event code): lifecycle events reach the
 * callback, a connection failure is retried with backoff and reported.
 * The reconnect-after-libvirtd-restart case needs a real libvirtd and is
 * in the lab.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libvirt/virterror.h>

#include "daemon/watch.h"

typedef struct Seen {
	int connected, lifecycle, started, stopped, last_detail, metadata;
	char last_domain[64];
} Seen;

static void record(WatchReason reason, const char *domain, int event, int detail, void *userdata)
{
	Seen *s = userdata;

	if (reason == WATCH_CONNECTED)
		s->connected++;
	if (reason == WATCH_METADATA) {
		s->metadata++;
		strncpy(s->last_domain, domain, sizeof(s->last_domain) - 1);
	}
	if (reason == WATCH_LIFECYCLE) {
		s->lifecycle++;
		s->started += event == VIR_DOMAIN_EVENT_STARTED;
		s->stopped += event == VIR_DOMAIN_EVENT_STOPPED;
		s->last_detail = detail;
		strncpy(s->last_domain, domain, sizeof(s->last_domain) - 1);
	}
}

static void quiet(void *ud, virErrorPtr e)
{
}

static void run_until(int *counter, int want)
{
	/* Events are dispatched from a 0 ms timer; a few turns suffice. */
	for (int i = 0; i < 50 && *counter < want; i++)
		virEventRunDefaultImpl();
}

static void test_backoff(void **state)
{
	assert_int_equal(watch_backoff_ms(0), 1000);
	assert_int_equal(watch_backoff_ms(1), 2000);
	assert_int_equal(watch_backoff_ms(4), 16000);
	assert_int_equal(watch_backoff_ms(5), 30000);
	assert_int_equal(watch_backoff_ms(1000), 30000);
}

static void test_events(void **state)
{
	Seen seen = { 0 };
	Watch *w = NULL;
	virDomainPtr d;

	assert_int_equal(watch_new("test:///default", record, &seen, &w), 0);
	assert_int_equal(watch_start(w), 0);
	assert_int_equal(seen.connected, 1);
	assert_non_null(watch_conn(w));
	assert_null(watch_last_error(w));

	/* The test driver's default domain "test" is running; cycle it. */
	d = virDomainLookupByName(watch_conn(w), "test");
	assert_non_null(d);
	assert_int_equal(virDomainDestroy(d), 0);
	run_until(&seen.stopped, 1);
	/* the detail comes along (a migration is told by it) */
	assert_int_equal(seen.last_detail, VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
	assert_int_equal(virDomainCreate(d), 0);
	run_until(&seen.started, 1);
	assert_int_equal(seen.last_detail, VIR_DOMAIN_EVENT_STARTED_BOOTED);
	assert_int_equal(seen.stopped, 1);
	assert_int_equal(seen.started, 1);
	assert_string_equal(seen.last_domain, "test");
	virDomainFree(d);
	watch_free(w);
}

/* A change of the kvmnet metadata (a VF policy, an opt-out) wakes a turn
 * at once: libvirt's metadata-change event reaches the callback. */
static void test_metadata_event(void **state)
{
	Seen seen = { 0 };
	Watch *w = NULL;
	virDomainPtr d;

	assert_int_equal(watch_new("test:///default", record, &seen, &w), 0);
	assert_int_equal(watch_start(w), 0);
	d = virDomainLookupByName(watch_conn(w), "test");
	assert_non_null(d);
	assert_int_equal(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "<domain><vf vlan='100'/></domain>",
					      "kvmnet", "http://kvmnet.org/xmlns/domain/1.0", VIR_DOMAIN_AFFECT_LIVE),
			 0);
	run_until(&seen.metadata, 1);
	assert_int_equal(seen.metadata, 1);
	assert_string_equal(seen.last_domain, "test");
	virDomainFree(d);
	watch_free(w);
}

/* Which events say something of a migration, and what. */
static void test_migration_events(void **state)
{
	const char *s;

	s = watch_migration_event(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
	assert_non_null(s);
	assert_non_null(strstr(s, "back to the spares"));
	assert_non_null(watch_migration_event(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED));
	assert_non_null(watch_migration_event(VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED));
	assert_non_null(watch_migration_event(VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_MIGRATED));
	assert_non_null(watch_migration_event(VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_POSTCOPY));
	/* the same events with other details say nothing of one */
	assert_null(watch_migration_event(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
	assert_null(watch_migration_event(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED));
	assert_null(watch_migration_event(VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED));
	assert_null(watch_migration_event(VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
	/* STOPPED_MIGRATED's value under another event */
	assert_null(watch_migration_event(VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED));
}

static void test_unreachable(void **state)
{
	Seen seen = { 0 };
	Watch *w = NULL;

	assert_int_equal(watch_new("test:///nonexistent/file.xml", record, &seen, &w), 0);
	assert_int_equal(watch_start(w), 0);
	assert_int_equal(seen.connected, 0);
	assert_null(watch_conn(w));
	assert_non_null(watch_last_error(w));
	watch_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_migration_events),
		cmocka_unit_test(test_metadata_event),
		cmocka_unit_test(test_unreachable),
	};

	virSetErrorFunc(NULL, quiet);
	if (virEventRegisterDefaultImpl() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
