/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/event-latency: the daemon's own share of the time from a domain's
 * start event to its VF attach request (issue 5, benchmark 1: p99 under
 * 5 ms), against a polling loop measured in the same run.
 *
 * The real daemon (daemon_new/daemon_run: event loop, watcher, observe,
 * plan, carry out) runs in a thread of this process in --dry-run, on a fake
 * igb host (KVMNET_SYSROOT) with libvirt's test driver (test:///default,
 * shared by every connection of the process), threshold 1.  The main
 * thread starts defined test domains; each start is a real lifecycle event.
 * The daemon's log goes to a hook (stderr replaced by a cookie stream, line
 * buffered, so each line reaches it synchronously in the daemon's thread):
 *   t0  its "Domain NAME: lifecycle event 2" (STARTED) line: the event's
 *       arrival in the daemon's callback;
 *   t1  the first "would attach ... to VM NAME" after t0: the point where
 *       a real run calls apply_action(ATTACH).
 * The baseline is a poller in another thread, on its own connection, doing
 * the same observe() and plan_decide() every INTERVAL (default 2 s, the
 * polling interval of the best-known existing agent); its latency is from
 * the same t0 to the poll whose plan first attaches that VM.
 *
 * Each round starts up to 3 domains (the fake PF's free VFs) at uniformly
 * random points of one poll period (kept 5% away from each tick, where the
 * previous round's domains are destroyed), so the poller sees them at the
 * next tick: its latency is uniform over the period, as for a start at
 * an unknown moment.
 *
 * Usage: event-latency SYSROOT [EVENTS [INTERVAL_MS]]  (100, 2000)
 * Exits 1 when the daemon's p99 misses 5 ms.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/config-resolve.h"
#include "daemon/daemon.h"
#include "daemon/observe.h"
#include "virt/virt-conn.h"

#define SLOTS 3
#define GOAL_NS 5e6
#define URI "test:///default"

typedef struct Slot {
	char name[32];
	virDomainPtr dom;
	double t0, t_daemon, t_poll; /* 0: not yet */
} Slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static Slot slots[SLOTS];
static size_t n_active;		  /* slots in this round */
static unsigned long polls_done;  /* ticks the poller has finished */
static double poll_base_ns, interval_ns;
static volatile int stop_poller;
static char tmpdir[] = "/tmp/kvmnet-event-latency-XXXXXX";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void sleep_until(double ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1e9), .tv_nsec = (long)(ns - (double)(time_t)(ns / 1e9) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
}

static Slot *slot_named(const char *s, size_t len)
{
	for (size_t i = 0; i < n_active; i++)
		if (strlen(slots[i].name) == len && strncmp(slots[i].name, s, len) == 0)
			return &slots[i];
	return NULL;
}

/* One line of the daemon's log, in the daemon's thread. */
static void on_log_line(const char *l, double t)
{
	const char *p;
	Slot *s;

	pthread_mutex_lock(&lock);
	if (strncmp(l, "Domain ", 7) == 0 && (p = strstr(l, ": lifecycle event 2")) && p[19] == 0) {
		s = slot_named(l + 7, (size_t)(p - l - 7));
		if (s && !s->t0)
			s->t0 = t;
	} else if (strstr(l, "would attach ") && (p = strstr(l, " to VM "))) {
		const char *name = p + 7, *end = strchr(name, ' ');

		s = slot_named(name, end ? (size_t)(end - name) : strlen(name));
		/* An attach logged before its own event was caused by another
		 * domain's event; the one after its event is what counts. */
		if (s && s->t0 && !s->t_daemon)
			s->t_daemon = t;
	}
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

static ssize_t log_hook(void *cookie, const char *buf, size_t size)
{
	static char line[4096];
	static size_t len;
	double t = now_ns();

	for (size_t i = 0; i < size; i++) {
		if (buf[i] != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = buf[i];
			continue;
		}
		line[len] = 0;
		on_log_line(line, t);
		if (getenv("KVMNET_BENCH_VERBOSE"))
			dprintf(STDERR_FILENO, "%.3f %s\n", t / 1e6, line);
		len = 0;
	}
	return (ssize_t)size;
}

/* The baseline: observe and decide every interval, on its own connection. */
static void *poller(void *arg)
{
	const char *config_path = arg;
	_cleanup_strv_free_ char **errors = NULL;
	Config *c = NULL;
	Journal *j = NULL;
	virConnectPtr conn = NULL;

	if (config_load_resolved(config_path, &c, &errors) < 0 || journal_load(c->state_dir, &j, NULL) < 0 ||
	    virt_conn_open(URI, 0, &conn, NULL) < 0) {
		fprintf(stdout, "poller: cannot start\n");
		exit(1);
	}
	for (unsigned long k = 1; !stop_poller; k++) {
		Observation *o = NULL;
		Plan *plan = NULL;
		double t;

		sleep_until(poll_base_ns + (double)k * interval_ns);
		if (observe(c, j, conn, &o, NULL) >= 0 && plan_decide(&o->in, &plan) >= 0) {
			t = now_ns();
			pthread_mutex_lock(&lock);
			for (size_t i = 0; i < plan->n_actions; i++) {
				const PlanAction *a = &plan->actions[i];
				Slot *s;

				if (a->type != PLAN_ATTACH)
					continue;
				s = slot_named(o->vm_names[a->vm], strlen(o->vm_names[a->vm]));
				if (s && !s->t_poll)
					s->t_poll = t;
			}
			pthread_mutex_unlock(&lock);
		}
		plan_free(plan);
		observation_free(o);
		pthread_mutex_lock(&lock);
		polls_done = k;
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
	}
	virt_conn_close(conn);
	journal_free(j);
	config_free(c);
	return NULL;
}

static void *daemon_thread(void *arg)
{
	return (void *)(intptr_t)daemon_run(arg);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[(size_t)((double)(n - 1) * p)];
}

/* Wait until every slot of the round has both attach times, or fail. */
static int wait_round(double deadline)
{
	int r = 0;

	pthread_mutex_lock(&lock);
	for (;;) {
		bool done = true;

		for (size_t i = 0; i < n_active; i++)
			done = done && slots[i].t_daemon && slots[i].t_poll;
		if (done || now_ns() > deadline)
			break;
		pthread_mutex_unlock(&lock);
		usleep(1000);
		pthread_mutex_lock(&lock);
	}
	for (size_t i = 0; i < n_active; i++)
		if (!slots[i].t_daemon || !slots[i].t_poll) {
			printf("%s: no attach seen (daemon %s, poller %s)\n", slots[i].name, slots[i].t_daemon ? "yes" : "no",
			       slots[i].t_poll ? "yes" : "no");
			r = -ETIMEDOUT;
		}
	pthread_mutex_unlock(&lock);
	return r;
}

static void wait_poll(unsigned long k)
{
	pthread_mutex_lock(&lock);
	while (polls_done < k)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
}

/* One round: starts at random points of poll period k+1; returns the
 * number of events measured, into daemon_ns[] and poll_ns[]. */
static int run_round(virConnectPtr conn, unsigned long k, size_t n, double *daemon_ns, double *poll_ns)
{
	double at[SLOTS];
	int r;

	wait_poll(k);
	for (size_t i = 0; i < SLOTS; i++)
		if (virDomainIsActive(slots[i].dom) == 1 && virDomainDestroy(slots[i].dom) < 0)
			return -EIO;
	pthread_mutex_lock(&lock);
	n_active = n;
	for (size_t i = 0; i < n; i++)
		slots[i].t0 = slots[i].t_daemon = slots[i].t_poll = 0;
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < n; i++)
		at[i] = poll_base_ns + ((double)k + 0.05 + 0.9 * drand48()) * interval_ns;
	qsort(at, n, sizeof(double), cmp_double);
	for (size_t i = 0; i < n; i++) {
		sleep_until(at[i]);
		if (virDomainCreate(slots[i].dom) < 0)
			return -EIO;
	}
	r = wait_round(poll_base_ns + ((double)k + 4) * interval_ns);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		daemon_ns[i] = slots[i].t_daemon - slots[i].t0;
		/* A poll between the start and the event's arrival: 0. */
		poll_ns[i] = slots[i].t_poll > slots[i].t0 ? slots[i].t_poll - slots[i].t0 : 0;
	}
	return (int)n;
}

static int write_config(const char *path, const char *state_dir)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	/* threshold 1: every start is a VM that gets a VF; a long dwell so
	 * that the stops between rounds never end the split. */
	fprintf(f, "[libvirt]\nuri = " URI "\n[sriov]\npf = 0000:01:00.0\nthreshold = 1\nmin_dwell = 1h\n"
		   "[daemon]\nstate_dir = %s\nlog_level = debug\n", state_dir);
	return fclose(f) == 0 ? 0 : -errno;
}

static int define_slots(virConnectPtr conn)
{
	virDomainPtr test = virDomainLookupByName(conn, "test");

	/* test:///default runs one domain, "test"; it would take a VF. */
	if (test) {
		(void)virDomainDestroy(test);
		virDomainFree(test);
	}
	for (size_t i = 0; i < SLOTS; i++) {
		char xml[512];

		snprintf(slots[i].name, sizeof(slots[i].name), "bench-%zu", i);
		snprintf(xml, sizeof(xml),
			 "<domain type='test'><name>%s</name><memory>65536</memory><os><type>hvm</type></os>"
			 "<devices><interface type='bridge'><source bridge='br0'/><model type='virtio'/></interface>"
			 "</devices></domain>", slots[i].name);
		slots[i].dom = virDomainDefineXML(conn, xml);
		if (!slots[i].dom)
			return -EIO;
	}
	return 0;
}

static void report(const char *what, double *v, size_t n)
{
	double p50 = pct(v, n, 0.50), p99 = pct(v, n, 0.99);

	printf("%-28s p50 %10.3f ms   p99 %10.3f ms   max %10.3f ms\n", what, p50 / 1e6, p99 / 1e6, v[n - 1] / 1e6);
}

int main(int argc, char **argv)
{
	char config_path[64], state_dir[64], sock[64];
	size_t events = argc > 2 ? strtoul(argv[2], NULL, 10) : 100, got = 0;
	double *dl, *pl, d99, p99, d50, p50;
	pthread_t dt, pt;
	virConnectPtr conn;
	Daemon *d = NULL;
	sigset_t mask;
	FILE *hook, *orig_stderr = stderr;
	void *dr;
	int r = 0;

	if (argc < 2 || events == 0) {
		fprintf(stderr, "Usage: event-latency SYSROOT [EVENTS [INTERVAL_MS]]\n");
		return 2;
	}
	interval_ns = (argc > 3 ? strtod(argv[3], NULL) : 2000) * 1e6;
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(config_path, sizeof(config_path), "%s/kvmnetd.conf", tmpdir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", tmpdir);
	snprintf(sock, sizeof(sock), "%s/sock", tmpdir);
	if (mkdir(state_dir, 0700) < 0 || write_config(config_path, state_dir) < 0)
		return 1;
	setenv("KVMNET_SYSROOT", argv[1], 1);
	dl = calloc(events + SLOTS, sizeof(double));
	pl = calloc(events + SLOTS, sizeof(double));

	/* Every thread blocks the daemon's signals; its signalfd takes them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	virt_errors_capture();
	if (!dl || !pl || virEventRegisterDefaultImpl() < 0 || virt_conn_open(URI, 0, &conn, NULL) < 0 ||
	    define_slots(conn) < 0) {
		fprintf(stderr, "event-latency: cannot set up libvirt's test driver\n");
		return 1;
	}
	hook = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = log_hook });
	if (!hook || daemon_new(config_path, sock, DAEMON_DRY_RUN, &d) < 0)
		return 1;
	setvbuf(hook, NULL, _IOLBF, 0);
	stderr = hook;
	pthread_create(&dt, NULL, daemon_thread, d);
	srand48(1);
	poll_base_ns = now_ns();
	pthread_create(&pt, NULL, poller, config_path);

	for (unsigned long k = 1; got < events && r >= 0; k++) {
		r = run_round(conn, k, events - got < SLOTS ? events - got : SLOTS, dl + got, pl + got);
		if (r > 0)
			got += (size_t)r;
	}
	stop_poller = 1;
	pthread_join(pt, NULL);
	kill(getpid(), SIGTERM);
	pthread_join(dt, &dr);
	stderr = orig_stderr;
	fclose(hook);
	daemon_free(d);
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].dom) {
			(void)virDomainDestroy(slots[i].dom);
			(void)virDomainUndefine(slots[i].dom);
			virDomainFree(slots[i].dom);
		}
	virConnectClose(conn);
	if (r < 0) {
		printf("event-latency: a round failed after %zu events\n", got);
		return 1;
	}

	printf("event-latency: %zu start events, test driver, dry run on %s; poller every %.0f ms\n", got, argv[1],
	       interval_ns / 1e6);
	report("kvmnetd (event to attach)", dl, got);
	report("poller (start to attach)", pl, got);
	d50 = pct(dl, got, 0.5), d99 = pct(dl, got, 0.99), p50 = pct(pl, got, 0.5), p99 = pct(pl, got, 0.99);
	printf("ratio poller/kvmnetd: p50 %.0fx, p99 %.0fx\n", p50 / d50, p99 / d99);
	printf("goal: kvmnetd p99 < %.0f ms: %s (%.1f%% of it)\n", GOAL_NS / 1e6, d99 < GOAL_NS ? "met" : "MISSED",
	       100 * d99 / GOAL_NS);
	free(dl);
	free(pl);
	unlink(config_path);
	rmdir(state_dir);
	rmdir(tmpdir);
	return d99 < GOAL_NS ? 0 : 1;
}
