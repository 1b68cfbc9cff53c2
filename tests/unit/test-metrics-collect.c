/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loop's metrics (daemon/metrics-collect.h): a VM's start-to-attach
 * time from its start (or resume) event to the attach request, the
 * earlier of the two, actions counted by kind
 * and result, reconnects counted after the first connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "daemon/config.h"
#include "daemon/metrics-collect.h"

static void test_start_to_attach(void **state)
{
	_cleanup_config_free_ Config *c = NULL;
	const MetricsSnapshot *s;
	Metrics *m = NULL;

	assert_int_equal(config_new(&c), 0);
	assert_int_equal(metrics_new(c, false, &m), 0);
	s = metrics_snapshot(m);
	metrics_domain_event(m, "web1", VIR_DOMAIN_EVENT_STOPPED, 500000); /* not a start */
	metrics_domain_event(m, "web1", VIR_DOMAIN_EVENT_STARTED, 1000000);
	/* libvirt's order for a boot: resumed, then started; the first counts. */
	metrics_domain_event(m, "web2", VIR_DOMAIN_EVENT_RESUMED, 2000000);
	metrics_domain_event(m, "web2", VIR_DOMAIN_EVENT_STARTED, 2500000);
	metrics_action(m, PLAN_BIND_VFIO, NULL, 2500000, true);
	metrics_action(m, PLAN_ATTACH, "web1", 3000000, false);
	metrics_action(m, PLAN_ATTACH, "web2", 3000000, true);
	metrics_action(m, PLAN_ATTACH, "web2", 4000000, true); /* a second VF: no second start */
	assert_int_equal(s->applied[PLAN_BIND_VFIO], 1);
	assert_int_equal(s->applied[PLAN_ATTACH], 2);
	assert_int_equal(s->failed[PLAN_ATTACH], 1);
	/* web1: 2 s (a failed request is still the request), web2: 1 s. */
	assert_int_equal(s->start_to_attach_seconds.counts[5], 1); /* le=1 */
	assert_int_equal(s->start_to_attach_seconds.counts[6], 1); /* le=2.5 */
	assert_true(s->start_to_attach_seconds.sum > 2.999 && s->start_to_attach_seconds.sum < 3.001);

	metrics_libvirt(m, true);
	metrics_libvirt(m, false);
	metrics_libvirt(m, true);
	assert_true(s->libvirt_connected);
	assert_int_equal(s->libvirt_reconnects, 1);
	metrics_turn(m, 20000, true);
	assert_int_equal(s->turns_failed, 1);
	assert_int_equal(s->turn_seconds.counts[3], 1); /* le=0.025 */
	metrics_irq_moved(m, IRQ_MOVE_BUSY);
	assert_int_equal(s->irq_moves[IRQ_MOVE_BUSY], 1);
	/* Without an observation the split is unknown, not inactive. */
	metrics_observed(m, c, NULL, NULL);
	assert_int_equal(s->split, METRICS_SPLIT_UNKNOWN);
	metrics_free(m);
}

/* [balloon]'s status (the JSON kvmnetctl status shows) into the
 * snapshot, and out as the exposition text: sizes in bytes, an unknown
 * size left out, a guest left alone marked, the metrics a copy keeps. */
static void test_balloon(void **state)
{
	_cleanup_config_free_ Config *c = NULL;
	MetricsSnapshot *copy = NULL;
	const MetricsSnapshot *s;
	json_object *status;
	Metrics *m = NULL;
	char *text;
	size_t n;

	assert_int_equal(config_new(&c), 0);
	assert_int_equal(metrics_new(c, false, &m), 0);
	s = metrics_snapshot(m);
	status = json_tokener_parse("{\"host\": {\"psi\": true, \"pressure\": true}, \"changes\": 3, \"guests\": ["
				    "{\"name\": \"web1\", \"current_kib\": 524288, \"max_kib\": 1048576,"
				    " \"original_kib\": 1048576, \"usable_kib\": 1000, \"left_alone\": null},"
				    "{\"name\": \"nodrv\", \"current_kib\": null, \"max_kib\": null,"
				    " \"original_kib\": null, \"left_alone\": \"no statistics\"}]}");
	assert_non_null(status);
	assert_int_equal(metrics_format(s, NULL, &text, &n), 0);
	assert_null(strstr(text, "kvmnet_balloon")); /* no [balloon]: nothing */
	free(text);
	metrics_balloon(m, status);
	assert_true(s->balloon_enabled && s->memory_pressure);
	assert_int_equal(s->n_balloons, 2);
	assert_int_equal(metrics_snapshot_dup(s, &copy), 0);
	metrics_snapshot_clear(copy); /* a turn's values go, the balloons stay */
	assert_int_equal(metrics_format(copy, NULL, &text, &n), 0);
	assert_non_null(strstr(text, "kvmnet_memory_pressure 1\n"));
	assert_non_null(strstr(text, "kvmnet_balloon_changes_total 3\n"));
	assert_non_null(strstr(text, "kvmnet_balloon_size_bytes{domain=\"web1\"} 536870912\n"));
	assert_non_null(strstr(text, "kvmnet_balloon_original_bytes{domain=\"web1\"} 1073741824\n"));
	assert_null(strstr(text, "kvmnet_balloon_size_bytes{domain=\"nodrv\"}"));
	assert_non_null(strstr(text, "kvmnet_balloon_left_alone{domain=\"nodrv\"} 1\n"));
	assert_non_null(strstr(text, "kvmnet_balloon_left_alone{domain=\"web1\"} 0\n"));
	free(text);
	metrics_snapshot_free(copy);
	json_object_put(status);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_to_attach),
		cmocka_unit_test(test_balloon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
