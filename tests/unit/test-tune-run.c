/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetd's [tune] on one fake host made of three fixtures: the debugfs
 * scheduler knobs of tests/fixtures/tune-debugfs, the block devices of
 * tests/fixtures/blockdev and the cgroup v2 tree of tests/fixtures/cgroup-v2
 * (see their READMEs), with two domains parsed from XML.
 */
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
#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/journal.h"
#include "daemon/tune-run.h"
#include "model/domain-xml.h"
#include "../lib/tmp-root.h"

#define VM1CG "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/"

static const char vm1[] = "<domain type='kvm'><name>vm1</name><uuid>11111111-1111-1111-1111-111111111111</uuid>"
			  "<devices>"
			  "<disk type='block' device='disk'><source dev='/dev/mapper/vg-lv'/><target dev='vda'/></disk>"
			  "<disk type='file' device='cdrom'><source file='/dev/sda'/><target dev='sdb'/></disk>"
			  "<disk type='network' device='disk'><source protocol='rbd' name='pool/img'/>"
			  "<target dev='vdb'/></disk>"
			  "</devices></domain>";
static const char vm2[] = "<domain type='kvm'><name>vm2</name><uuid>22222222-2222-2222-2222-222222222222</uuid>"
			  "<devices><disk type='block' device='disk'><source dev='/dev/sda'/><target dev='vda'/></disk>"
			  "<disk type='block' device='disk'><source dev='/dev/gone'/><target dev='vdb'/></disk>"
			  "</devices></domain>";

typedef struct Env {
	char root[TMP_ROOT_MAX], state[128];
	DaemonContext d;
	TuneRun *t;
	DomainDef *defs[2];
} Env;

static const char *get(const Env *e, const char *rel)
{
	static char *buf;

	free(buf);
	buf = NULL;
	if (read_one_line(rel, &buf) < 0)
		return "(unreadable)";
	return buf;
}

static int setup(void **state)
{
	Env *e = calloc(1, sizeof(Env));
	char text[512];

	assert_non_null(e);
	assert_int_equal(tmp_root_new(e->root, "tunerun"), 0);
	assert_int_equal(tmp_root_copy(e->root, "blockdev", ""), 0);
	assert_int_equal(tmp_root_copy(e->root, "cgroup-v2", ""), 0);
	assert_int_equal(tmp_root_copy(e->root, "tune-debugfs/sys/kernel", "sys/kernel"), 0);
	snprintf(e->state, sizeof(e->state), "%s/state", e->root);
	assert_int_equal(mkdir(e->state, 0755), 0);
	snprintf(text, sizeof(text), "[sriov]\npf = eth0\n[daemon]\nstate_dir = %s\n[tune]\nsched = yes\n"
		 "io_scheduler = yes\ncgroups = yes\n", e->state);
	assert_int_equal(config_parse_string(text, "t.conf", &e->d.config, NULL), 0);
	assert_int_equal(journal_new(&e->d.journal), 0);
	assert_int_equal(tune_run_new(&e->d, &e->t), 0);
	assert_int_equal(domain_xml_parse(vm1, sizeof(vm1) - 1, &e->defs[0], NULL), 0);
	assert_int_equal(domain_xml_parse(vm2, sizeof(vm2) - 1, &e->defs[1], NULL), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	Env *e = *state;

	tune_run_free(e->t);
	journal_free(e->d.journal);
	config_free(e->d.config);
	domain_def_free(e->defs[0]);
	domain_def_free(e->defs[1]);
	assert_int_equal(tmp_root_remove(e->root), 0);
	free(e);
	return 0;
}

static void test_apply_revert(void **state)
{
	Env *e = *state;
	Journal *j = e->d.journal;
	_cleanup_journal_free_ Journal *disk = NULL;

	/* This machine's vda already runs mq-deadline: as a host that does not. */
	assert_int_equal(write_string_file("/sys/block/vda/queue/scheduler", "[none] mq-deadline kyber bfq\n"), 0);
	assert_int_equal(tune_run_apply_domains(e->t, e->defs, 2), 0);
	/* The scheduler: min granularity and latency; wakeup was at 4 ms. */
	assert_string_equal(get(e, "/sys/kernel/debug/sched/min_granularity_ns"), "4000000");
	assert_string_equal(get(e, "/sys/kernel/debug/sched/latency_ns"), "32000000");
	assert_null(journal_get_original(j, "tune:/sys/kernel/debug/sched/wakeup_granularity_ns"));
	assert_string_equal(journal_get_original(j, "tune:/sys/kernel/debug/sched/min_granularity_ns"), "3000000");
	/* vm1's dm-0 sits on vda; vm2's sda; the cdrom, the network disk and
	 * the missing node give no queue. */
	assert_string_equal(get(e, "/sys/block/vda/queue/scheduler"), "mq-deadline");
	assert_string_equal(get(e, "/sys/block/sda/queue/scheduler"), "mq-deadline");
	assert_string_equal(journal_get_original(j, "tune:/sys/block/vda/queue/scheduler"), "none");
	assert_string_equal(journal_get_original(j, "tune:/sys/block/sda/queue/scheduler"), "bfq");
	assert_null(journal_get_original(j, "tune:/sys/block/dm-0/queue/scheduler"));
	/* vm1's memory and IO limits lifted, its CPU quota kept. */
	assert_string_equal(get(e, VM1CG "memory.max"), "max");
	assert_string_equal(journal_get_original(j, "tune:" VM1CG "memory.max"), "2147483648");
	assert_string_equal(journal_get_original(j, "tune:" VM1CG "io.max 254:0"),
			    "rbps=10485760 wbps=max riops=max wiops=1000");
	assert_string_equal(get(e, VM1CG "cpu.max"), "50000 100000");
	assert_int_equal(j->n_originals, 2 + 2 + 4);
	/* On disk before anything was written: the same originals. */
	assert_int_equal(journal_load(e->state, &disk, NULL), 0);
	assert_int_equal(disk->n_originals, 8);

	/* Again: everything is at its value, nothing saved twice. */
	assert_int_equal(tune_run_apply_domains(e->t, e->defs, 2), 0);
	assert_int_equal(j->n_originals, 8);

	assert_int_equal(tune_run_revert(e->t), 0);
	assert_int_equal(j->n_originals, 0);
	assert_string_equal(get(e, "/sys/kernel/debug/sched/min_granularity_ns"), "3000000");
	assert_string_equal(get(e, "/sys/kernel/debug/sched/latency_ns"), "24000000");
	assert_string_equal(get(e, "/sys/block/sda/queue/scheduler"), "bfq");
	assert_string_equal(get(e, VM1CG "memory.max"), "2147483648");
	assert_string_equal(get(e, VM1CG "memory.high"), "1879048192");
	/* Newest first: the first io.max line is written last. */
	assert_string_equal(get(e, VM1CG "io.max"), "254:0 rbps=10485760 wbps=max riops=max wiops=1000");
}

static void test_refused_and_gone(void **state)
{
	Env *e = *state;
	char p[256];

	/* A knob that cannot be written (a directory stands for it) is left
	 * alone and not kept; one that vanished before revert is forgotten. */
	snprintf(p, sizeof(p), "%s/sys/kernel/debug/sched/latency_ns", e->root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	e->d.config->tune.io_scheduler = false;
	e->d.config->tune.cgroups = false;
	assert_int_equal(tune_run_apply_domains(e->t, e->defs, 2), 0);
	assert_int_equal(e->d.journal->n_originals, 1);
	snprintf(p, sizeof(p), "%s/sys/kernel/debug/sched/min_granularity_ns", e->root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(tune_run_revert(e->t), 0);
	assert_int_equal(e->d.journal->n_originals, 0);
}

static void test_crafted_journal(void **state)
{
	static const char *const crafted[] = {
		"tune:/sys/kernel/debug/sched/../../../../etc/shadow",
		"tune:/etc/shadow",
		"tune:" VM1CG "cpu.max",
		"tune:/sys/block/evil/queue/scheduler",
		"tune:/sys/block//sda/queue/scheduler",
	};
	Env *e = *state;
	Journal *j = e->d.journal;
	char p[256];

	/* A journal someone wrote by hand: none of these is a knob kvmnetd
	 * writes, or it leads out of /sys; revert writes none of them, says
	 * so, and keeps them; the one real knob is restored. */
	assert_int_equal(tmp_root_put(e->root, "/etc/shadow", "root:secret"), 0);
	assert_int_equal(tmp_root_put(e->root, "/etc/queue/scheduler", "keep"), 0);
	snprintf(p, sizeof(p), "%s/sys/block/evil", e->root);
	assert_int_equal(symlink("../../etc", p), 0);
	for (size_t i = 0; i < ELEMENTSOF(crafted); i++)
		assert_int_equal(journal_record_original(j, crafted[i], "pwned"), 0);
	assert_int_equal(journal_record_original(j, "tune:/sys/kernel/debug/sched/latency_ns", "1000000"), 0);
	assert_int_equal(tune_run_revert(e->t), -EIO);
	assert_string_equal(get(e, "/etc/shadow"), "root:secret");
	assert_string_equal(get(e, "/etc/queue/scheduler"), "keep");
	assert_string_equal(get(e, VM1CG "cpu.max"), "50000 100000");
	assert_string_equal(get(e, "/sys/kernel/debug/sched/latency_ns"), "1000000");
	assert_int_equal(j->n_originals, ELEMENTSOF(crafted));
}

static void test_dry_run_and_off(void **state)
{
	Env *e = *state;

	e->d.dry_run = true;
	assert_int_equal(tune_run_apply_domains(e->t, e->defs, 2), 0);
	assert_string_equal(get(e, "/sys/kernel/debug/sched/min_granularity_ns"), "3000000");
	assert_int_equal(e->d.journal->n_originals, 0);
	e->d.dry_run = false;
	e->d.config->tune = (ConfigTune){};
	assert_int_equal(tune_run_apply_domains(e->t, e->defs, 2), 0);
	assert_string_equal(get(e, "/sys/kernel/debug/sched/min_granularity_ns"), "3000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_and_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crafted_journal, setup, teardown),
	};

	log_set_max_level(LOG_LEVEL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
