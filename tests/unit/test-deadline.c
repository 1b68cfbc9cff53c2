/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* deadline_run(): work that returns in time, work that does not (blocked
 * on a pipe nobody writes to until the test says so), deadlines already
 * past, races between the deadline and the work's end, and a thread left
 * blocked at exit, whose memory LeakSanitizer must not call a leak. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/deadline.h"

/* What the work and its abandon callback record, shared with the test. */
typedef struct Work {
	int gate[2];		 /* the work reads one byte from gate[0] before it returns */
	int result;		 /* what it returns */
	pthread_t thread;	 /* where it ran */
	atomic_int ran, abandoned;
	bool sigint_blocked;
	bool abandon_in_own_thread; /* and after the work returned */
	int done[2];		 /* abandon writes one byte here */
} Work;

static Work *work_new(int result, bool gated)
{
	Work *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->result = result;
	w->gate[0] = w->gate[1] = -1;
	if (gated)
		assert_int_equal(pipe2(w->gate, O_CLOEXEC), 0);
	assert_int_equal(pipe2(w->done, O_CLOEXEC), 0);
	return w;
}

static void work_free(Work *w)
{
	if (w->gate[0] >= 0) {
		close(w->gate[0]);
		close(w->gate[1]);
	}
	close(w->done[0]);
	close(w->done[1]);
	free(w);
}

static int work(void *p)
{
	Work *w = p;
	sigset_t mask;
	char c;

	w->thread = pthread_self();
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	w->sigint_blocked = sigismember(&mask, SIGINT) == 1;
	/* No cmocka asserts off the main thread: they longjmp. */
	if (w->gate[0] >= 0 && read(w->gate[0], &c, 1) != 1)
		abort();
	atomic_fetch_add(&w->ran, 1);
	return w->result;
}

static void on_abandon(void *p)
{
	Work *w = p;

	w->abandon_in_own_thread = pthread_equal(pthread_self(), w->thread) && atomic_load(&w->ran) == 1;
	atomic_fetch_add(&w->abandoned, 1);
	/* The last touch of w: the test frees it once it reads this. */
	if (write(w->done[1], "x", 1) != 1)
		abort();
}

static void open_gate(Work *w)
{
	assert_int_equal(write(w->gate[1], "x", 1), 1);
}

static void wait_abandoned(Work *w)
{
	char c;

	assert_int_equal(read(w->done[0], &c, 1), 1);
	assert_int_equal(atomic_load(&w->abandoned), 1);
	assert_true(w->abandon_in_own_thread);
}

static void test_after(void **state)
{
	uint64_t now = now_monotonic_us(), d;

	assert_int_equal(deadline_after_us(0), DEADLINE_NEVER);
	assert_int_equal(deadline_after_us(UINT64_MAX - 1), DEADLINE_NEVER);
	d = deadline_after_us(2000000);
	assert_true(d >= now + 2000000 && d < now + 3000000);
}

static void test_never_runs_inline(void **state)
{
	Work *w = work_new(7, false);

	assert_int_equal(deadline_run(work, w, on_abandon, DEADLINE_NEVER), 7);
	assert_true(pthread_equal(w->thread, pthread_self()));
	work_free(w);
}

static void test_in_time(void **state)
{
	Work *w = work_new(42, false);

	assert_int_equal(deadline_run(work, w, on_abandon, deadline_after_us(5000000)), 42);
	/* Another thread, now ended; signals were kept from it. */
	assert_false(pthread_equal(w->thread, pthread_self()));
	assert_true(w->sigint_blocked);
	assert_int_equal(atomic_load(&w->abandoned), 0);
	work_free(w);
}

static void test_error_passed(void **state)
{
	Work *w = work_new(-ENOENT, false);

	assert_int_equal(deadline_run(work, w, on_abandon, deadline_after_us(5000000)), -ENOENT);
	assert_int_equal(atomic_load(&w->abandoned), 0);
	work_free(w);
}

static void test_times_out(void **state)
{
	Work *w = work_new(1, true);
	uint64_t t0 = now_monotonic_us(), took;

	assert_int_equal(deadline_run(work, w, on_abandon, deadline_after_us(200000)), -ETIMEDOUT);
	took = now_monotonic_us() - t0;
	assert_true(took >= 200000);
	assert_true(took < 1000000);
	/* Still blocked; released, it returns and is abandoned, not joined. */
	assert_int_equal(atomic_load(&w->ran), 0);
	open_gate(w);
	wait_abandoned(w);
	work_free(w);
}

static void test_past_deadline(void **state)
{
	Work *w = work_new(1, true);
	uint64_t t0 = now_monotonic_us();

	assert_int_equal(deadline_run(work, w, on_abandon, t0 - 1), -ETIMEDOUT);
	assert_true(now_monotonic_us() - t0 < 500000);
	open_gate(w);
	wait_abandoned(w);
	work_free(w);
}

/* The work ends just around its deadline, many times: every run is either
 * on time (result, no abandon) or abandoned (abandon called once), never
 * both nor neither.  Under ASan a use after free shows here. */
typedef struct Race {
	unsigned sleep_us;
	atomic_int *abandoned;
} Race;

static int race_work(void *p)
{
	Race *r = p;

	usleep(r->sleep_us);
	return 5;
}

static void race_abandon(void *p)
{
	Race *r = p;

	atomic_fetch_add(r->abandoned, 1);
	free(r);
}

static void test_race(void **state)
{
	static atomic_int abandoned;
	int timeouts = 0, in_time = 0;

	for (unsigned i = 0; i < 300; i++) {
		Race *r = malloc(sizeof(*r));
		int ret;

		assert_non_null(r);
		*r = (Race){ .sleep_us = 50 + (i * 37) % 400, .abandoned = &abandoned };
		ret = deadline_run(race_work, r, race_abandon, deadline_after_us(250));
		if (ret == -ETIMEDOUT)
			timeouts++;
		else {
			assert_int_equal(ret, 5);
			in_time++;
			free(r);
		}
	}
	for (int i = 0; i < 200 && atomic_load(&abandoned) < timeouts; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&abandoned), timeouts);
	assert_int_equal(timeouts + in_time, 300);
	assert_true(timeouts > 0);
}

/* Left blocked for good: the process exits with the thread inside a read()
 * and its data malloc'd.  LeakSanitizer scans live threads' stacks, so
 * this must not count as a leak (the test would then fail at exit). */
static void test_left_at_exit(void **state)
{
	Work *w = work_new(1, true);

	assert_int_equal(deadline_run(work, w, on_abandon, deadline_after_us(1000)), -ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after),
		cmocka_unit_test(test_never_runs_inline),
		cmocka_unit_test(test_in_time),
		cmocka_unit_test(test_error_passed),
		cmocka_unit_test(test_times_out),
		cmocka_unit_test(test_past_deadline),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_left_at_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
