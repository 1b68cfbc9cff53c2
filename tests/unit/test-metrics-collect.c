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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_to_attach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
