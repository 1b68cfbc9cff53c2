/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/config.h"

#define F "kvmnetd.conf"

/* Parse text that must fail and check the whole list of messages. */
static void expect_errors(const char *text, const char *const *want)
{
	_cleanup_strv_free_ char **errors = NULL;
	Config *c = NULL;
	size_t n = 0;

	assert_int_equal(config_parse_string(text, F, &c, &errors), -EINVAL);
	assert_null(c);
	assert_non_null(errors);
	for (; want[n]; n++) {
		assert_non_null(errors[n]);
		assert_string_equal(errors[n], want[n]);
	}
	assert_null(errors[n]);
}

static void expect_one_error(const char *text, const char *want)
{
	const char *const w[] = { want, NULL };

	expect_errors(text, w);
}

static void test_full(void **state)
{
	_cleanup_config_free_ Config *c = NULL;
	char buf[IF_NAMESIZE + PCI_ADDR_STRLEN];
	char **errors = NULL;
	const char *text = "; kvmnetd.conf\n"
			   "# comment\n"
			   "[libvirt]\n"
			   "uri = qemu+ssh://root@h/system\n"
			   "\n"
			   "[sriov]\n"
			   "pf = enp3s0f0\n"
			   "pf = 0000:04:00.1 ; second card\n"
			   "pf=05:00.0\n"
			   "threshold = 2\n"
			   "vfs_per_vm = 3\n"
			   "min_dwell = 500ms\n"
			   "headroom = 3\n"
			   "[daemon]\n"
			   "state_dir = /srv/kvmnet\n"
			   "on_stop = revert\n"
			   "log_level = debug\n"
			   "[irq]\n"
			   "nic = enp3s0f0\n"
			   "nic = 0000:04:00.1\n"
			   "cpus = 2-3,6\n"
			   "interval = 500ms\n"
			   "busy_percent = 70\n"
			   "irqbalance = stop\n"
			   "[tune]\n"
			   "sched = yes\n"
			   "io_scheduler = on\n"
			   "cgroups = no\n";
	CpuSet want;

	assert_int_equal(config_parse_string(text, F, &c, &errors), 0);
	assert_null(errors);
	assert_string_equal(c->libvirt_uri, "qemu+ssh://root@h/system");
	assert_int_equal(c->n_pfs, 3);
	assert_false(c->pfs[0].is_pci);
	assert_string_equal(c->pfs[0].ifname, "enp3s0f0");
	assert_int_equal(c->pfs[0].line, 7);
	assert_true(c->pfs[1].is_pci);
	assert_string_equal(config_pf_to_string(&c->pfs[1], buf), "0000:04:00.1");
	assert_string_equal(config_pf_to_string(&c->pfs[2], buf), "0000:05:00.0");
	assert_int_equal(c->threshold, 2);
	assert_int_equal(c->vfs_per_vm, 3);
	assert_int_equal(c->min_dwell_us, 500000);
	assert_int_equal(c->headroom, 3);
	assert_string_equal(c->state_dir, "/srv/kvmnet");
	assert_int_equal(c->on_stop, ON_STOP_REVERT);
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_true(c->irq.enabled);
	assert_int_equal(c->irq.n_nics, 2);
	assert_string_equal(config_pf_to_string(&c->irq.nics[0], buf), "enp3s0f0");
	assert_string_equal(config_pf_to_string(&c->irq.nics[1], buf), "0000:04:00.1");
	assert_int_equal(c->irq.nics[1].line, 20);
	assert_true(c->irq.has_cpus);
	assert_int_equal(cpuset_parse_list("2,3,6", &want), 0);
	assert_true(cpuset_equal(&c->irq.cpus, &want));
	assert_int_equal(c->irq.interval_us, 500000);
	assert_int_equal(c->irq.busy_percent, 70);
	assert_int_equal(c->irq.irqbalance, IRQBALANCE_STOP);
	assert_string_equal(irqbalance_mode_to_string(c->irq.irqbalance), "stop");
	assert_true(c->tune.sched);
	assert_true(c->tune.io_scheduler);
	assert_false(c->tune.cgroups);
}

static void test_defaults(void **state)
{
	_cleanup_config_free_ Config *c = NULL;

	/* BOM, CRLF line ends and an indented key are all accepted. */
	assert_int_equal(config_parse_string("\xef\xbb\xbf[sriov]\r\n  pf = eth0\r\n", F, &c, NULL), 0);
	assert_string_equal(c->libvirt_uri, "qemu:///system");
	assert_int_equal(c->n_pfs, 1);
	assert_string_equal(c->pfs[0].ifname, "eth0");
	assert_int_equal(c->threshold, 4);
	assert_int_equal(c->vfs_per_vm, 1);
	assert_int_equal(c->min_dwell_us, 30000000);
	/* spares up to sriov_totalvfs: see kvmnetd.conf(5) for why */
	assert_int_equal(c->headroom, CONFIG_HEADROOM_MAX);
	assert_int_equal(c->parallel_attach, 4);
	assert_string_equal(c->state_dir, "/var/lib/kvmnet");
	assert_int_equal(c->on_stop, ON_STOP_KEEP);
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	/* No [irq] section: no sampler; no [tune]: nothing tuned. */
	assert_false(c->irq.enabled);
	assert_int_equal(c->irq.n_nics, 0);
	assert_false(c->irq.has_cpus);
	assert_int_equal(c->irq.interval_us, 1000000);
	assert_int_equal(c->irq.busy_percent, 80);
	assert_int_equal(c->irq.irqbalance, IRQBALANCE_BAN);
	assert_false(c->tune.sched || c->tune.io_scheduler || c->tune.cgroups);
}

static void test_irq_section(void **state)
{
	_cleanup_config_free_ Config *c = NULL, *c2 = NULL;

	/* An empty [irq] turns the placement on, with every default. */
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[irq]\n", F, &c, NULL), 0);
	assert_true(c->irq.enabled);
	assert_int_equal(c->irq.n_nics, 0);
	assert_false(c->irq.has_cpus);
	assert_int_equal(c->irq.interval_us, 1000000);
	assert_int_equal(c->irq.irqbalance, IRQBALANCE_BAN);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[irq]\nirqbalance = ignore\nbusy_percent = 100\n"
					     "interval = 100ms\n[tune]\nsched = no\n",
					     F, &c2, NULL),
			 0);
	assert_int_equal(c2->irq.irqbalance, IRQBALANCE_IGNORE);
	assert_int_equal(c2->irq.busy_percent, 100);
	assert_int_equal(c2->irq.interval_us, 100000);
	assert_false(c2->tune.sched);
}

static void test_irq_bad_values(void **state)
{
	const char *pre = "[sriov]\npf = eth0\n[irq]\n";
	const char *const cases[][2] = {
		{ "cpus = \n", "cpus: expected a non-empty CPU list like 2-3,6, got ''" },
		{ "cpus = 3-1\n", "cpus: expected a non-empty CPU list like 2-3,6, got '3-1'" },
		{ "cpus = 99999\n", "cpus: expected a non-empty CPU list like 2-3,6, got '99999'" },
		{ "cpus = two\n", "cpus: expected a non-empty CPU list like 2-3,6, got 'two'" },
		{ "interval = 1\n", "interval: expected a duration with a unit from 100ms to 1h (500ms, 1s, 5s), got '1'" },
		{ "interval = 50ms\n", "interval: expected a duration with a unit from 100ms to 1h (500ms, 1s, 5s), got '50ms'" },
		{ "interval = 2h\n", "interval: expected a duration with a unit from 100ms to 1h (500ms, 1s, 5s), got '2h'" },
		{ "busy_percent = 0\n", "busy_percent: expected a percentage (1-100), got '0'" },
		{ "busy_percent = 101\n", "busy_percent: expected a percentage (1-100), got '101'" },
		{ "busy_percent = 80%\n", "busy_percent: expected a percentage (1-100), got '80%'" },
		{ "irqbalance = off\n", "irqbalance: expected 'ban', 'stop' or 'ignore', got 'off'" },
		{ "nic = a/b\n", "nic: expected a netdev name (1-15 characters) or a PCI address like 0000:03:00.0, got 'a/b'" },
		{ "nic = eth1\nnic = eth1\n", NULL },
		{ "cpus = 1\ncpus = 2\n", NULL },
		{ "[tune]\nsched = maybe\n", "sched: expected 'yes' or 'no', got 'maybe'" },
		{ "[tune]\ncgroups = 2\n", "cgroups: expected 'yes' or 'no', got '2'" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char text[256], want[256];

		snprintf(text, sizeof(text), "%s%s", pre, cases[i][0]);
		if (cases[i][1])
			snprintf(want, sizeof(want), F ":%d: %s", strneq(cases[i][0], "[tune]", 6) ? 5 : 4, cases[i][1]);
		else if (strneq(cases[i][0], "nic", 3))
			snprintf(want, sizeof(want), F ":5: nic: 'eth1' is already listed on " F ":4");
		else
			snprintf(want, sizeof(want), F ":5: cpus: already set on line 4; set it once");
		expect_one_error(text, want);
	}
}

/* [daemon] cpus: not set is auto without sampling; auto or a list turn
 * the sampling on; a bad value names the file and the line. */
static void test_daemon_cpus(void **state)
{
	_cleanup_config_free_ Config *c = NULL, *c2 = NULL, *c3 = NULL;
	CpuSet want;

	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n", F, &c, NULL), 0);
	assert_false(c->cpus.set);
	assert_true(c->cpus.is_auto);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[daemon]\ncpus = auto\n", F, &c2, NULL), 0);
	assert_true(c2->cpus.set);
	assert_true(c2->cpus.is_auto);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[daemon]\ncpus = 0,2-3\n", F, &c3, NULL), 0);
	assert_true(c3->cpus.set);
	assert_false(c3->cpus.is_auto);
	assert_int_equal(cpuset_parse_list("0,2-3", &want), 0);
	assert_true(cpuset_equal(&c3->cpus.list, &want));

	expect_one_error("[daemon]\ncpus = \n", F ":2: cpus: expected auto or a non-empty CPU list like 0-1,4, got ''");
	expect_one_error("[daemon]\ncpus = 3-1\n", F ":2: cpus: expected auto or a non-empty CPU list like 0-1,4, got '3-1'");
	expect_one_error("[daemon]\ncpus = Auto\n", F ":2: cpus: expected auto or a non-empty CPU list like 0-1,4, got 'Auto'");
	expect_one_error("[daemon]\ncpus = 0x3\n", F ":2: cpus: expected auto or a non-empty CPU list like 0-1,4, got '0x3'");
	expect_one_error("[daemon]\ncpus = 1\ncpus = auto\n", F ":3: cpus: already set on line 2; set it once");
	/* [irq] cpus takes no "auto": its default is per NIC. */
	expect_one_error("[irq]\ncpus = auto\n", F ":2: cpus: expected a non-empty CPU list like 2-3,6, got 'auto'");
}

/* Decimal only: a leading zero is not octal and hex is refused (issue 19). */
static void test_decimal_only(void **state)
{
	_cleanup_config_free_ Config *c = NULL;

	assert_int_equal(config_parse_string("[sriov]\npf = eth0\nthreshold = 010\nheadroom = 08\n", F, &c, NULL), 0);
	assert_int_equal(c->threshold, 10);
	assert_int_equal(c->headroom, 8);
	config_free(c);
	c = NULL;
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\nparallel_attach = 1\n", F, &c, NULL), 0);
	assert_int_equal(c->parallel_attach, 1);
	expect_one_error("[sriov]\npf = eth0\nthreshold = 0x10\n",
			 F ":3: threshold: expected a positive integer (1-65535), got '0x10'");
}

static void test_balloon_section(void **state)
{
	_cleanup_config_free_ Config *c = NULL, *c2 = NULL, *c3 = NULL;

	/* No [balloon]: off.  An empty one: on, every default. */
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n", F, &c, NULL), 0);
	assert_false(c->balloon.enabled);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[balloon]\n", F, &c2, NULL), 0);
	assert_true(c2->balloon.enabled);
	assert_int_equal(c2->balloon.interval_us, 5000000);
	assert_int_equal(c2->balloon.stats_period_s, 5);
	assert_true(c2->balloon.params.min_share == 0.5);
	assert_int_equal(c2->balloon.params.margin_kib, 262144);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[balloon]\ninterval = 10s\nstats_period = 2\n"
					     "pressure = 20\ncalm = 5\nmin_share = 25\nmargin = 512M\nstep = 5\n"
					     "hold = 2m\navail_low = 5\navail_high = 15\n",
					     F, &c3, NULL),
			 0);
	assert_int_equal(c3->balloon.interval_us, 10000000);
	assert_int_equal(c3->balloon.stats_period_s, 2);
	assert_true(c3->balloon.params.psi_some_high == 20 && c3->balloon.params.psi_some_low == 5);
	assert_true(c3->balloon.params.min_share == 0.25 && c3->balloon.params.step_share == 0.05);
	assert_int_equal(c3->balloon.params.margin_kib, 524288);
	assert_int_equal(c3->balloon.params.hold_us, 120000000);
	assert_true(c3->balloon.params.avail_low == 0.05 && c3->balloon.params.avail_high == 0.15);
}

static void test_balloon_bad_values(void **state)
{
	const char *pre = "[sriov]\npf = eth0\n[balloon]\n";
	const char *const cases[][2] = {
		{ "interval = 500ms\n", F ":4: interval: expected a duration with a unit from 1s to 1h (5s, 10s), got '500ms'" },
		{ "stats_period = 0\n", F ":4: stats_period: expected seconds, 1 to 3600, got '0'" },
		{ "pressure = 101\n", F ":4: pressure: expected a percentage (0-100) of PSI some avg10, got '101'" },
		{ "min_share = half\n", F ":4: min_share: expected a percentage (0-100) of the guest's maximum, got 'half'" },
		{ "margin = 1.5G\n", F ":4: margin: expected a size up to 1T (KiB, or 256M, 1G), got '1.5G'" },
		{ "step = 0\n", F ":4: step: expected a percentage (1-100) of the guest's maximum, got '0'" },
		{ "hold = 1\n", F ":4: hold: expected a duration with a unit up to 24h (60s, 5m), got '1'" },
		{ "avail_low = 100\n", F ":4: avail_low: expected a percentage (0-99) of MemTotal, got '100'" },
		{ "size = 1\n", F ":4: unknown key 'size' in [balloon]; expected one of interval, stats_period, pressure, "
				"calm, min_share, margin, step, hold, avail_low, avail_high" },
		{ "step = 5\nstep = 6\n", F ":5: step: already set on line 4; set it once" },
		{ "pressure = 5\ncalm = 10\n", F ": [balloon] calm: expected below pressure" },
		{ "avail_low = 30\n", F ": [balloon] avail_low: expected below avail_high" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char text[256];

		snprintf(text, sizeof(text), "%s%s", pre, cases[i][0]);
		expect_one_error(text, cases[i][1]);
	}
}

static void test_bad_values(void **state)
{
	expect_one_error("[sriov]\npf = eth0\nthreshold = x\n",
			 F ":3: threshold: expected a positive integer (1-65535), got 'x'");
	expect_one_error("[sriov]\npf = eth0\nthreshold = 0\n",
			 F ":3: threshold: expected a positive integer (1-65535), got '0'");
	expect_one_error("[sriov]\npf = eth0\nthreshold = -1\n",
			 F ":3: threshold: expected a positive integer (1-65535), got '-1'");
	expect_one_error("[sriov]\npf = eth0\nthreshold = 65536\n",
			 F ":3: threshold: expected a positive integer (1-65535), got '65536'");
	expect_one_error("[sriov]\npf = eth0\nthreshold =\n",
			 F ":3: threshold: expected a positive integer (1-65535), got ''");
	expect_one_error("[sriov]\npf = eth0\nvfs_per_vm = 65\n",
			 F ":3: vfs_per_vm: expected a positive integer (1-64), got '65'");
	expect_one_error("[sriov]\npf = eth0\nparallel_attach = 0\n",
			 F ":3: parallel_attach: expected a number of attaches at once (1-64; 1: one by one), got '0'");
	expect_one_error("[sriov]\npf = eth0\nparallel_attach = 65\n",
			 F ":3: parallel_attach: expected a number of attaches at once (1-64; 1: one by one), got '65'");
	expect_one_error("[sriov]\npf = eth0\nheadroom = some\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got 'some'");
	expect_one_error("[sriov]\npf = eth0\nheadroom = 65536\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got '65536'");
	expect_one_error("[sriov]\npf = eth0\nheadroom = -1\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got '-1'");
	/* not "+2": the number is already a count beyond what the VMs need */
	expect_one_error("[sriov]\npf = eth0\nheadroom = +2\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got '+2'");
	expect_one_error("[sriov]\npf = eth0\nheadroom = MAX\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got 'MAX'");
	expect_one_error("[sriov]\npf = eth0\nheadroom = 4 VFs\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got '4 VFs'");
	expect_one_error("[sriov]\npf = eth0\nheadroom =\n",
			 F ":3: headroom: expected 'max' or a number of spare VFs (0-65535), got ''");
	expect_one_error("[sriov]\npf = eth0\nheadroom = 0\nheadroom = max\n",
			 F ":4: headroom: already set on line 3; set it once");
	expect_one_error("[sriov]\npf = eth0\nmin_dwell = 5\n",
			 F ":3: min_dwell: expected a duration with a unit, up to 24h (500ms, 5s, 2m, 1h), got '5'");
	expect_one_error("[sriov]\npf = eth0\nmin_dwell = 25h\n",
			 F ":3: min_dwell: expected a duration with a unit, up to 24h (500ms, 5s, 2m, 1h), got '25h'");
	expect_one_error("[sriov]\npf = eth0\n[daemon]\non_stop = maybe\n",
			 F ":4: on_stop: expected 'keep' or 'revert', got 'maybe'");
	expect_one_error("[sriov]\npf = eth0\n[daemon]\nstate_dir = var/lib\n",
			 F ":4: state_dir: expected an absolute directory path, got 'var/lib'");
	expect_one_error("[sriov]\npf = eth0\n[daemon]\nlog_level = loud\n",
			 F ":4: log_level: expected one of err, warning, notice, info, debug, got 'loud'");
	expect_one_error("[libvirt]\nuri = /var/run/libvirt\n[sriov]\npf = eth0\n",
			 F ":2: uri: expected a libvirt URI such as 'qemu:///system', got '/var/run/libvirt'");
}

static void test_bad_pf(void **state)
{
	const char *exp = "expected a netdev name (1-15 characters) or a PCI address like 0000:03:00.0";
	char want[256];

	snprintf(want, sizeof(want), F ":2: pf: %s, got 'a/b'", exp);
	expect_one_error("[sriov]\npf = a/b\n", want);
	snprintf(want, sizeof(want), F ":2: pf: %s, got 'enp3s0f0-too-long'", exp);
	expect_one_error("[sriov]\npf = enp3s0f0-too-long\n", want);
	/* function 8 does not exist: neither an address nor a name */
	snprintf(want, sizeof(want), F ":2: pf: %s, got '03:00.8'", exp);
	expect_one_error("[sriov]\npf = 03:00.8\n", want);
	snprintf(want, sizeof(want), F ":2: pf: %s, got 'a\\x01b'", exp);
	expect_one_error("[sriov]\npf = a\x01" "b\n", want);
	/* the same device written two ways */
	expect_one_error("[sriov]\npf = 03:00.0\npf = 0000:03:00.0\n",
			 F ":3: pf: '0000:03:00.0' is already listed on " F ":2");
	expect_one_error("[sriov]\n", F ": [sriov] pf: expected at least one PF (netdev name or PCI address)");
	expect_one_error("", F ": [sriov] pf: expected at least one PF (netdev name or PCI address)");
}

static void test_structure(void **state)
{
	expect_one_error("[sriov]\npf = eth0\nthresold = 3\n",
			 F ":3: unknown key 'thresold' in [sriov]; expected one of pf, threshold, vfs_per_vm, min_dwell, headroom, parallel_attach, numa, resize");
	expect_one_error("[sriov]\npf = eth0\n[bogus]\n",
			 F ":3: unknown section '[bogus]'; expected one of [libvirt], [sriov], [daemon], [irq], [tune], [balloon], [metrics]");
	/* keys in an unknown section are not reported once more each */
	expect_one_error("[sriov]\npf = eth0\n[ sriov ]\nx = 1\ny = 2\n",
			 F ":3: unknown section '[ sriov ]'; expected one of [libvirt], [sriov], [daemon], [irq], [tune], [balloon], [metrics]");
	expect_one_error("[sriov]\npf = eth0\n[irq]\ncpu = 2\n",
			 F ":4: unknown key 'cpu' in [irq]; expected one of nic, cpus, interval, busy_percent, irqbalance");
	expect_one_error("[sriov]\npf = eth0\n[tune]\nio = yes\n",
			 F ":4: unknown key 'io' in [tune]; expected one of sched, io_scheduler, cgroups");
	expect_one_error("threshold = 3\n[sriov]\npf = eth0\n", F ":1: 'threshold' comes before any [section]");
	expect_one_error("[sriov]\npf = eth0\nthreshold = 3\nthreshold = 5\n",
			 F ":4: threshold: already set on line 3; set it once");
	expect_one_error("[sriov]\npf = eth0\njust words\n", F ":3: expected '[section]' or 'key = value'");
	expect_one_error("[sriov\npf = eth0\n", F ":1: expected ']' to close the section name");
}

static void test_many_errors(void **state)
{
	const char *const want[] = {
		F ":1: unknown section '[x]'; expected one of [libvirt], [sriov], [daemon], [irq], [tune], [balloon], [metrics]",
		F ":4: threshold: expected a positive integer (1-65535), got 'four'",
		F ":5: expected '[section]' or 'key = value'",
		F ":6: vfs_per_vm: expected a positive integer (1-64), got '0'",
		NULL,
	};
	_cleanup_free_ char *big = NULL;
	_cleanup_strv_free_ char **errors = NULL;
	Config *c = NULL;
	size_t off = 0;

	expect_errors("[x]\n[sriov]\npf = eth0\nthreshold = four\noops\nvfs_per_vm = 0\n", want);

	/* A file of garbage gives a bounded list. */
	big = malloc(100 * 8 + 1);
	assert_non_null(big);
	for (int i = 0; i < 100; i++)
		off += (size_t)sprintf(big + off, "garbage\n");
	assert_int_equal(config_parse_string(big, F, &c, &errors), -EINVAL);
	assert_int_equal(strv_length(errors), 32);
	assert_string_equal(errors[31], F ": too many errors, giving up");
}

static void test_long_line(void **state)
{
	char text[600];
	int n;

	n = snprintf(text, sizeof(text), "[sriov]\npf = eth0\n[daemon]\nstate_dir = /");
	memset(text + n, 'a', 400);
	strcpy(text + n + 400, "\nthreshold\n");
	/* the long line is reported, and the next line still has its number */
	{
		const char *const want[] = {
			F ":4: line longer than 197 characters",
			F ":5: expected '[section]' or 'key = value'",
			NULL,
		};
		expect_errors(text, want);
	}
}

static void test_load(void **state)
{
	char path[] = "/tmp/kvmnet-test-config-XXXXXX";
	_cleanup_strv_free_ char **errors = NULL;
	_cleanup_config_free_ Config *c = NULL;
	char want[128];
	int fd;

	assert_int_equal(config_load("/nonexistent/kvmnetd.conf", &c, &errors), -ENOENT);
	assert_string_equal(errors[0], "/nonexistent/kvmnetd.conf: cannot read: No such file or directory; expected a "
				       "configuration file (kvmnetd.conf(5))");
	strv_free(errors);
	errors = NULL;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[sriov]\npf = e\0th0\n", 19), 19);
	assert_int_equal(config_load(path, &c, &errors), -EBADMSG);
	/* The line of the NUL byte, as for any other error (issue 19). */
	snprintf(want, sizeof(want), "%s:2: binary data (a NUL byte); expected text", path);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	errors = NULL;

	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, "[sriov]\npf = eth1\n", 18, 0), 18);
	close(fd);
	assert_int_equal(config_load(path, &c, &errors), 0);
	assert_string_equal(c->pfs[0].ifname, "eth1");
	unlink(path);
}

/* Not a file: said so, never waited on (a FIFO hung --check-config) and
 * never "Input/output error" (a directory); too large: said so (issue 19). */
static void test_load_not_a_file(void **state)
{
	char dir[] = "/tmp/kvmnet-test-config-XXXXXX", p[128], want[256];
	_cleanup_config_free_ Config *c = NULL;
	char **errors = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(config_load(dir, &c, &errors), -EISDIR);
	snprintf(want, sizeof(want), "%s: cannot read: a directory, not a file; expected a configuration file "
		 "(kvmnetd.conf(5))", dir);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(config_load(p, &c, &errors), -EBADFD);
	assert_non_null(strstr(errors[0], "fifo: cannot read: a FIFO, socket or device, not a regular file"));
	strv_free(errors);
	unlink(p);
	snprintf(p, sizeof(p), "%s/huge", dir);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 2 << 20), 0);
	fclose(f);
	assert_int_equal(config_load(p, &c, &errors), -EFBIG);
	assert_non_null(strstr(errors[0], "huge: cannot read: too large (over 1 MiB)"));
	strv_free(errors);
	unlink(p);
	assert_null(c);
	rmdir(dir);
}

/* The shipped example must stay a valid config. */
static void test_example(void **state)
{
	_cleanup_config_free_ Config *c = NULL;
	char **errors = NULL;
	char path[4096];
	const char *src = getenv("KVMNET_SOURCE_ROOT");

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/etc/kvmnetd.conf", src);
	assert_int_equal(config_load(path, &c, &errors), 0);
	assert_int_equal(c->n_pfs, 1);
	assert_string_equal(c->pfs[0].ifname, "enp3s0f0");
	assert_int_equal(c->threshold, CONFIG_DEFAULT_THRESHOLD);
}

/* [sriov] resize: never by default; drain opts in (plan.h D1-D3). */
static void test_resize(void **state)
{
	_cleanup_config_free_ Config *c = NULL, *c2 = NULL, *c3 = NULL;

	assert_int_equal(config_parse_string("[sriov]\npf = eth0\n", F, &c, NULL), 0);
	assert_false(c->resize_drain);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\nresize = drain\n", F, &c2, NULL), 0);
	assert_true(c2->resize_drain);
	assert_int_equal(config_parse_string("[sriov]\npf = eth0\nresize = never\n", F, &c3, NULL), 0);
	assert_false(c3->resize_drain);
	expect_one_error("[sriov]\npf = eth0\nresize = always\n", F ":3: resize: expected 'never' or 'drain', got 'always'");
	expect_one_error("[sriov]\npf = eth0\nresize = Drain\n", F ":3: resize: expected 'never' or 'drain', got 'Drain'");
}

static void test_headroom(void **state)
{
	const struct {
		const char *value;
		unsigned want;
	} ok[] = { { "0", 0 }, { "1", 1 }, { "65535", 65535 }, { "max", CONFIG_HEADROOM_MAX } };
	char text[128], buf[16];

	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		_cleanup_config_free_ Config *c = NULL;

		snprintf(text, sizeof(text), "[sriov]\npf = eth0\nheadroom = %s\n", ok[i].value);
		assert_int_equal(config_parse_string(text, F, &c, NULL), 0);
		assert_int_equal(c->headroom, ok[i].want);
		assert_string_equal(headroom_to_string(c->headroom, buf), ok[i].value);
	}
}

static void test_metrics(void **state)
{
	char buf[INET_ADDR_STRLEN];

	{
		_cleanup_config_free_ Config *c = NULL;

		assert_int_equal(config_parse_string("[sriov]\npf = eth0\n", F, &c, NULL), 0);
		assert_false(c->metrics_listen_set); /* off unless set */
	}
	{
		_cleanup_config_free_ Config *c = NULL;

		assert_int_equal(config_parse_string("[sriov]\npf = eth0\n[metrics]\nlisten = [::1]:9469\n", F, &c, NULL),
				 0);
		assert_true(c->metrics_listen_set);
		assert_string_equal(inet_addr_format(&c->metrics_listen, buf), "[::1]:9469");
	}
	expect_one_error("[sriov]\npf = eth0\n[metrics]\nlisten = localhost:9469\n",
			 F ":4: listen: expected ADDRESS:PORT with a numeric address, like 127.0.0.1:9469 or [::1]:9469, "
			   "got 'localhost:9469'");
	expect_one_error("[sriov]\npf = eth0\n[metrics]\nlisten = ::1:9469\n",
			 F ":4: listen: expected ADDRESS:PORT with a numeric address, like 127.0.0.1:9469 or [::1]:9469, "
			   "got '::1:9469'");
	expect_one_error("[metrics]\nlisten = 127.0.0.1:1\nlisten = 127.0.0.1:2\n[sriov]\npf = eth0\n",
			 F ":3: listen: already set on line 2; set it once");
	expect_one_error("[sriov]\npf = eth0\n[metrics]\nport = 9469\n",
			 F ":4: unknown key 'port' in [metrics]; expected one of listen");
}

static void test_ifname(void **state)
{
	assert_true(ifname_valid("eth0"));
	assert_true(ifname_valid("123456789012345"));
	assert_false(ifname_valid("1234567890123456"));
	assert_false(ifname_valid(""));
	assert_false(ifname_valid("."));
	assert_false(ifname_valid(".."));
	assert_false(ifname_valid("a b"));
	assert_false(ifname_valid("a:b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),	     cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_decimal_only),   cmocka_unit_test(test_load_not_a_file),   cmocka_unit_test(test_bad_pf),
		cmocka_unit_test(test_structure),    cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_long_line),    cmocka_unit_test(test_load),
		cmocka_unit_test(test_ifname),	     cmocka_unit_test(test_headroom), cmocka_unit_test(test_resize),	     cmocka_unit_test(test_example),
		cmocka_unit_test(test_irq_section),  cmocka_unit_test(test_irq_bad_values),
		cmocka_unit_test(test_balloon_section), cmocka_unit_test(test_balloon_bad_values),
		cmocka_unit_test(test_metrics),	     cmocka_unit_test(test_daemon_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
