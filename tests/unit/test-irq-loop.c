/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetd's interrupt sampler on a copy of tests/fixtures/virtio-2cpu (a
 * real 2-CPU machine's /proc and /sys: eth0 with MSI-X vectors 37-39).
 * The test plays the kernel: between samples it rewrites /proc/stat and
 * /proc/interrupts with the load it wants the sampler to see, then checks
 * what was written to /proc/irq/N/smp_affinity_list, what the journal
 * holds, and what a fake irqbalance (a real process named irqbalance with
 * its socket where irqbalance binds it) was told or whether it was stopped.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/irq-loop.h"
#include "daemon/journal.h"
#include "../lib/fake-proc.h"
#include "../lib/tmp-root.h"

#define NCPU 2
#define S 1000000ULL

typedef struct Env {
	char root[TMP_ROOT_MAX];
	char state[128];
	DaemonContext d;
	IrqLoop *l;
	uint64_t busy[NCPU], idle[NCPU]; /* /proc/stat ticks so far */
	uint64_t count[40][NCPU];	 /* /proc/interrupts counts of irq 37-39 */
	uint64_t t;
	pid_t fake_pid;
	int sock;
} Env;

static void put(const Env *e, const char *rel, const char *text)
{
	assert_int_equal(tmp_root_put(e->root, rel, text), 0);
}

static const char *get(const Env *e, const char *rel)
{
	static char buf[256];
	char p[512];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s%s", e->root, rel);
	f = fopen(p, "re");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void write_proc(Env *e)
{
	char st[1024], in[1024];
	size_t o = 0;
	static const char *const names[] = { "virtio2-config", "virtio2-input.0", "virtio2-output.0" };

	o += (size_t)snprintf(st + o, sizeof(st) - o, "cpu  %llu 0 0 %llu 0 0 0 0 0 0\n",
			      (unsigned long long)(e->busy[0] + e->busy[1]), (unsigned long long)(e->idle[0] + e->idle[1]));
	for (int c = 0; c < NCPU; c++)
		o += (size_t)snprintf(st + o, sizeof(st) - o, "cpu%d %llu 0 0 %llu 0 0 0 0 0 0\n", c,
				      (unsigned long long)e->busy[c], (unsigned long long)e->idle[c]);
	snprintf(st + o, sizeof(st) - o, "intr 0\nctxt 0\n");
	put(e, "/proc/stat", st);
	o = (size_t)snprintf(in, sizeof(in), "           CPU0       CPU1       \n");
	for (int irq = 37; irq <= 39; irq++)
		o += (size_t)snprintf(in + o, sizeof(in) - o, " %d: %10llu %10llu PCI-MSIX-0000:00:03.0 %d-edge      %s\n",
				      irq, (unsigned long long)e->count[irq][0], (unsigned long long)e->count[irq][1],
				      irq - 37, names[irq - 37]);
	put(e, "/proc/interrupts", in);
}

/* One second of load: each CPU busy b0 / b1 percent, irq 38 and 39 firing
 * r38 / r39 times (on CPU 0 here: where does not matter to the rates). */
static void second(Env *e, unsigned b0, unsigned b1, unsigned r38, unsigned r39)
{
	e->busy[0] += b0;
	e->idle[0] += 100 - b0;
	e->busy[1] += b1;
	e->idle[1] += 100 - b1;
	e->count[38][0] += r38;
	e->count[39][0] += r39;
	write_proc(e);
	e->t += S;
	assert_int_equal(irq_loop_sample(e->l, e->t), 0);
}

static int setup(void **state)
{
	Env *e = calloc(1, sizeof(Env));

	assert_non_null(e);
	assert_int_equal(tmp_root_new(e->root, "irqloop"), 0);
	assert_int_equal(tmp_root_copy(e->root, "virtio-2cpu", ""), 0);
	snprintf(e->state, sizeof(e->state), "%s/state", e->root);
	assert_int_equal(mkdir(e->state, 0755), 0);
	e->sock = -1;
	e->t = 100 * S;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	Env *e = *state;

	irq_loop_free(e->l);
	journal_free(e->d.journal);
	config_free(e->d.config);
	if (e->fake_pid > 0) {
		kill(e->fake_pid, SIGKILL);
		waitpid(e->fake_pid, NULL, 0);
	}
	if (e->sock >= 0)
		close(e->sock);
	assert_int_equal(tmp_root_remove(e->root), 0);
	unsetenv("KVMNET_SYSROOT");
	sysroot_reset();
	free(e);
	return 0;
}

static void start(Env *e, const char *irq_keys, bool dry_run)
{
	char text[512];

	snprintf(text, sizeof(text), "[sriov]\npf = eth0\n[daemon]\nstate_dir = %s\n[irq]\n%s", e->state, irq_keys);
	assert_int_equal(config_parse_string(text, "test.conf", &e->d.config, NULL), 0);
	assert_int_equal(journal_new(&e->d.journal), 0);
	e->d.dry_run = dry_run;
	assert_int_equal(irq_loop_new(&e->d, &e->l), 0);
	second(e, 10, 10, 0, 0); /* the baseline */
}

static void test_place_and_revert(void **state)
{
	Env *e = *state;
	_cleanup_free_ char *text = NULL;
	_cleanup_journal_free_ Journal *j = NULL;

	start(e, "", false);
	/* Every vector has the real tree's 0-1: none is pinned to one CPU. */
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "0-1");
	second(e, 10, 30, 5000, 3000);
	/* Heaviest first on the CPU carrying the least rate, ties to the
	 * least busy: 38 on CPU 0, 39 on CPU 1, then the idle 37 beside the
	 * lighter 39. */
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "0");
	assert_string_equal(get(e, "/proc/irq/39/smp_affinity_list"), "1");
	assert_string_equal(get(e, "/proc/irq/37/smp_affinity_list"), "1");
	/* The originals are in the journal, on disk. */
	assert_int_equal(journal_load(e->state, &j, NULL), 0);
	assert_int_equal(j->n_originals, 3);
	assert_string_equal(journal_get_original(j, "/proc/irq/37/smp_affinity_list"), "0-1");
	assert_string_equal(journal_get_original(j, "/proc/irq/38/smp_affinity_list"), "0-1");
	/* Settled: nothing moves again. */
	put(e, "/proc/irq/38/smp_affinity_list", "0");
	second(e, 10, 30, 5000, 3000);
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "0");

	assert_int_equal(irq_loop_revert(e->l), 0);
	for (int irq = 37; irq <= 39; irq++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "/proc/irq/%d/smp_affinity_list", irq);
		assert_string_equal(get(e, rel), "0-1");
	}
	assert_int_equal(e->d.journal->n_originals, 0);
	journal_free(TAKE_PTR(j));
	assert_int_equal(journal_load(e->state, &j, NULL), 0);
	assert_int_equal(j->n_originals, 0);
}

static void test_shed_busy_cpu(void **state)
{
	Env *e = *state;

	/* Pinned by someone before: 38 and 39 on CPU 0, 37 on CPU 1. */
	put(e, "/proc/irq/37/smp_affinity_list", "1");
	put(e, "/proc/irq/38/smp_affinity_list", "0");
	put(e, "/proc/irq/39/smp_affinity_list", "0");
	start(e, "busy_percent = 70\n", false);
	second(e, 50, 20, 5000, 3000);
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "0");
	/* CPU 0 over 70% once: not yet (two samples in a row). */
	second(e, 95, 20, 5000, 3000);
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "0");
	assert_int_equal(e->d.journal->n_originals, 0);
	/* Twice: its heaviest vector goes to CPU 1 (20% < 70 - 20), and
	 * only that one; its original is saved first. */
	second(e, 95, 20, 5000, 3000);
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "1");
	assert_string_equal(get(e, "/proc/irq/39/smp_affinity_list"), "0");
	assert_int_equal(e->d.journal->n_originals, 1);
	assert_string_equal(journal_get_original(e->d.journal, "/proc/irq/38/smp_affinity_list"), "0");
	/* Still busy: 39 goes too; 38 just moved and is held. */
	second(e, 95, 20, 5000, 3000);
	assert_string_equal(get(e, "/proc/irq/39/smp_affinity_list"), "1");
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "1");
}

static void test_dry_run(void **state)
{
	Env *e = *state;

	start(e, "", true);
	second(e, 10, 30, 5000, 3000);
	assert_string_equal(get(e, "/proc/irq/38/smp_affinity_list"), "0-1");
	assert_int_equal(e->d.journal->n_originals, 0);
}

static void test_configured_cpus(void **state)
{
	Env *e = *state;

	start(e, "cpus = 1\n", false);
	second(e, 10, 30, 5000, 3000);
	for (int irq = 37; irq <= 39; irq++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "/proc/irq/%d/smp_affinity_list", irq);
		assert_string_equal(get(e, rel), "1");
	}
}

/* A real process named irqbalance (a copy of sleep), its /proc/PID/comm
 * in the fake tree, and a listening socket where irqbalance binds it. */
/* A running "irqbalance" (a copy of sleep) that the fake /proc shows as
 * root's own program, or, as an impostor, as a local user's process under
 * that name; with its socket where irqbalance binds it. */
static void fake_irqbalance_as(Env *e, bool with_socket, uid_t uid)
{
	char bin[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	/* Root's program must be owned by root: only root can make one. */
	if (uid == 0 && geteuid() != 0)
		skip();
	assert_int_equal(fake_proc_program(e->root, "irqbalance", 0755, uid, bin, sizeof(bin)), 0);
	e->fake_pid = fake_proc_spawn(bin, "irqbalance", uid);
	assert_true(e->fake_pid > 0);
	assert_int_equal(fake_proc_entries(e->root, e->fake_pid, "irqbalance", uid, bin), 0);
	put(e, "/run/irqbalance/.keep", "");
	if (!with_socket)
		return;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/irqbalance/irqbalance%d.sock", e->root, (int)e->fake_pid);
	e->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(e->sock >= 0);
	assert_int_equal(bind(e->sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(e->sock, 8), 0);
}

static void fake_irqbalance(Env *e, bool with_socket)
{
	fake_irqbalance_as(e, with_socket, 0);
}

/* The next command irqbalance was sent, or "" when none is waiting. */
static const char *received(Env *e)
{
	static char buf[300];
	int fd = accept4(e->sock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void test_irqbalance_ban(void **state)
{
	Env *e = *state;

	fake_irqbalance(e, true);
	start(e, "", false);
	/* The whole list, sorted, once; not again while nothing changes. */
	assert_string_equal(received(e), "settings ban irqs 37 38 39");
	assert_string_equal(received(e), "");
	second(e, 10, 30, 5000, 3000);
	assert_string_equal(received(e), "");
	/* A vector more (a queue added): the whole list again. */
	{
		char rel[] = "/sys/devices/pci0000:00/0000:00:03.0/msi_irqs/40";

		put(e, rel, "msix\n");
	}
	second(e, 10, 30, 5000, 3000);
	assert_string_equal(received(e), "settings ban irqs 37 38 39 40");
	assert_int_equal(irq_loop_revert(e->l), 0);
	assert_string_equal(received(e), "settings ban irqs NONE");
}

static void test_irqbalance_stop(void **state)
{
	Env *e = *state;
	char path[256], marker[200], script[400];
	const char *old_path = getenv("PATH");
	_cleanup_free_ char *new_path = NULL;
	int status;

	fake_irqbalance(e, false);
	start(e, "irqbalance = stop\n", false);
	/* Stopped (SIGTERM), and the journal says it ran, on disk. */
	assert_int_equal(waitpid(e->fake_pid, &status, 0), e->fake_pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	e->fake_pid = 0;
	assert_string_equal(journal_get_original(e->d.journal, "irqbalance"), "running");
	/* Revert starts it again: no systemd in the fake tree, so the
	 * irqbalance on PATH, here a script that leaves a marker. */
	snprintf(path, sizeof(path), "%s/bin", e->root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(marker, sizeof(marker), "%s/started", e->root);
	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$@\" > '%s'\n", marker);
	strcat(path, "/irqbalance");
	{
		FILE *f = fopen(path, "we");

		assert_non_null(f);
		fputs(script, f);
		fclose(f);
		assert_int_equal(chmod(path, 0755), 0);
	}
	assert_true(asprintf(&new_path, "%s/bin:%s", e->root, old_path ? old_path : "/usr/bin:/bin") > 0);
	setenv("PATH", new_path, 1);
	assert_int_equal(irq_loop_revert(e->l), 0);
	setenv("PATH", old_path ? old_path : "/usr/bin:/bin", 1);
	assert_int_equal(access(marker, F_OK), 0);
	assert_null(journal_get_original(e->d.journal, "irqbalance"));
}

/* A vector whose affinity cannot be read is unknown: not moved, and said
 * once (it used to be skipped without a word). */
static void test_unreadable_affinity(void **state)
{
	Env *e = *state;
	char p[512], log[4096] = "";
	int saved = dup(STDERR_FILENO);
	FILE *f = tmpfile();
	size_t n;

	start(e, "", false);
	snprintf(p, sizeof(p), "%s/proc/irq/38/smp_affinity_list", e->root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_non_null(f);
	fflush(stderr);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	second(e, 10, 30, 5000, 3000);
	second(e, 10, 30, 5000, 3000);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = 0;
	fclose(f);
	assert_non_null(strstr(log, "irq 38 of eth0: reading /proc/irq/38/smp_affinity_list: Is a directory; left"));
	/* Once, not every sample. */
	assert_null(strstr(strstr(log, "irq 38 of eth0") + 1, "irq 38 of eth0"));
	assert_null(journal_get_original(e->d.journal, "/proc/irq/38/smp_affinity_list"));
	assert_string_equal(get(e, "/proc/irq/39/smp_affinity_list"), "0");
}

/* A local user's process named irqbalance is neither stopped nor told
 * anything, and the journal does not say irqbalance ran. */
static void test_irqbalance_impostor(void **state)
{
	Env *e = *state;
	int status;

	fake_irqbalance_as(e, true, 65534);
	start(e, "irqbalance = stop\n", false);
	assert_int_equal(waitpid(e->fake_pid, &status, WNOHANG), 0);
	assert_null(journal_get_original(e->d.journal, "irqbalance"));
	assert_int_equal(irq_loop_revert(e->l), 0);
	assert_string_equal(received(e), "");
	assert_int_equal(waitpid(e->fake_pid, &status, WNOHANG), 0);
}

static void test_irqbalance_impostor_ban(void **state)
{
	Env *e = *state;

	fake_irqbalance_as(e, true, 65534);
	start(e, "", false);
	second(e, 10, 30, 5000, 3000);
	assert_string_equal(received(e), "");
	assert_int_equal(irq_loop_revert(e->l), 0);
	assert_string_equal(received(e), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_place_and_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_affinity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shed_busy_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configured_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqbalance_ban, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqbalance_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqbalance_impostor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqbalance_impostor_ban, setup, teardown),
	};

	log_set_max_level(LOG_LEVEL_DEBUG);
	if (virEventRegisterDefaultImpl() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
