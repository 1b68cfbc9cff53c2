/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>

#include "basic/macro.h"
#include "self-affinity.h"

#define TASK_DIR "/proc/self/task"
/* Threads pinned in one call; kvmnetd has a handful. */
#define MAX_THREADS 1024

static cpu_set_t *to_kernel(const CpuSet *s, size_t *ret_size)
{
	cpu_set_t *k = CPU_ALLOC(CPUSET_MAX);

	if (!k)
		return NULL;
	*ret_size = CPU_ALLOC_SIZE(CPUSET_MAX);
	CPU_ZERO_S(*ret_size, k);
	CPUSET_FOREACH(cpu, s)
		CPU_SET_S((size_t)cpu, *ret_size, k);
	return k;
}

static int get_affinity(pid_t tid, CpuSet *ret)
{
	size_t size = CPU_ALLOC_SIZE(CPUSET_MAX);
	cpu_set_t *k = CPU_ALLOC(CPUSET_MAX);
	CpuSet s;

	if (!k)
		return -ENOMEM;
	if (sched_getaffinity(tid, size, k) < 0) {
		int r = negative_errno();

		CPU_FREE(k);
		return r;
	}
	cpuset_zero(&s);
	for (unsigned cpu = 0; cpu < CPUSET_MAX; cpu++)
		if (CPU_ISSET_S(cpu, size, k))
			(void)cpuset_set(&s, cpu);
	CPU_FREE(k);
	*ret = s;
	return 0;
}

int self_affinity(CpuSet *ret)
{
	return get_affinity(0, ret);
}

static bool seen(const pid_t *tids, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

/* One pass over /proc/self/task: fn on each thread not in done[], added
 * to it.  *ret_new: how many were new. */
static int for_each_thread(pid_t *done, size_t *n_done, int (*fn)(pid_t, void *), void *userdata,
			   size_t *ret_new, int *first_error)
{
	DIR *d = opendir(TASK_DIR);
	struct dirent *de;
	size_t fresh = 0;

	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		int r;

		if (de->d_name[0] == '.' || *end || tid <= 0 || seen(done, *n_done, (pid_t)tid))
			continue;
		if (*n_done >= MAX_THREADS)
			break;
		done[(*n_done)++] = (pid_t)tid;
		fresh++;
		r = fn((pid_t)tid, userdata);
		/* A thread that ended meanwhile is no error. */
		if (r < 0 && r != -ESRCH && *first_error == 0)
			*first_error = r;
	}
	closedir(d);
	*ret_new = fresh;
	return 0;
}

static int threads_do(int (*fn)(pid_t, void *), void *userdata, unsigned *ret_threads)
{
	_cleanup_free_ pid_t *done = calloc(MAX_THREADS, sizeof(pid_t));
	size_t n_done = 0, fresh;
	int first_error = 0, r;

	if (!done)
		return -ENOMEM;
	do {
		r = for_each_thread(done, &n_done, fn, userdata, &fresh, &first_error);
		if (r < 0)
			return r;
	} while (fresh > 0 && n_done < MAX_THREADS);
	if (first_error < 0)
		return first_error;
	if (ret_threads)
		*ret_threads = (unsigned)n_done;
	return 0;
}

typedef struct PinArg {
	cpu_set_t *k;
	size_t size;
} PinArg;

static int pin_one(pid_t tid, void *userdata)
{
	PinArg *a = userdata;

	return sched_setaffinity(tid, a->size, a->k) < 0 ? negative_errno() : 0;
}

int self_pin_threads(const CpuSet *set, unsigned *ret_threads)
{
	PinArg a;
	int r;

	if (cpuset_count(set) == 0)
		return -EINVAL;
	a.k = to_kernel(set, &a.size);
	if (!a.k)
		return -ENOMEM;
	r = threads_do(pin_one, &a, ret_threads);
	CPU_FREE(a.k);
	return r;
}

static int and_one(pid_t tid, void *userdata)
{
	CpuSet *acc = userdata, s;
	int r = get_affinity(tid, &s);

	if (r < 0)
		return r;
	cpuset_and(acc, &s);
	return 0;
}

int self_threads_affinity(CpuSet *ret)
{
	CpuSet acc;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(acc.bits); i++)
		acc.bits[i] = ~UINT64_C(0);
	r = threads_do(and_one, &acc, NULL);
	if (r < 0)
		return r;
	*ret = acc;
	return 0;
}

int self_current_cpu(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? negative_errno() : cpu;
}
