/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-conn against libvirt's built-in test driver (test:///default), which
 * runs in-process: no daemon, yet the real libvirt client library. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/deadline.h"
#include "virt/virt-conn.h"

static void test_open_close(void **state)
{
	_cleanup_virconn_ virConnectPtr c = NULL;
	char *err = NULL;

	assert_int_equal(virt_conn_open("test:///default", 0, &c, &err), 0);
	assert_non_null(c);
	assert_null(err);
	assert_int_equal(virConnectIsAlive(c), 1);
}

static void test_read_only(void **state)
{
	_cleanup_virconn_ virConnectPtr c = NULL;
	virDomainPtr d;

	assert_int_equal(virt_conn_open("test:///default", VIRT_CONN_READ_ONLY, &c, NULL), 0);
	d = virDomainLookupByName(c, "test");
	assert_non_null(d);
	/* A read-only connection must refuse a change, with a captured error. */
	assert_int_equal(virDomainSuspend(d), -1);
	char *msg = NULL;
	assert_int_equal(virt_error_take(&msg), -EACCES);
	assert_non_null(strstr(msg, "read only"));
	free(msg);
	virDomainFree(d);
}

/* Run fn with stderr sent to a temporary file; return how many bytes it got. */
static off_t stderr_bytes_during(void (*fn)(void))
{
	char path[] = "/tmp/kvmnet-test-stderr-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC), saved = dup(2);
	struct stat st;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	return st.st_size;
}

static void open_bad_uris(void)
{
	virConnectPtr c = NULL;
	char *err = NULL;
	int r;

	r = virt_conn_open("nosuchdriver:///x", 0, &c, &err);
	assert_true(r < 0);
	assert_null(c);
	assert_non_null(err);
	assert_true(strlen(err) > 0);
	free(err);

	/* ret_error may be NULL. */
	assert_true(virt_conn_open("nosuchdriver:///x", VIRT_CONN_READ_ONLY, &c, NULL) < 0);
}

static void test_errors_not_printed(void **state)
{
	assert_int_equal(stderr_bytes_during(open_bad_uris), 0);
	/* The error was taken: nothing is left behind. */
	assert_null(virGetLastError());
}

/* libvirt's test driver lets libxml2 print its own I/O warning for a
 * missing file, so this case is not in the silent set above. */
static void test_missing_file(void **state)
{
	virConnectPtr c = NULL;
	char *err = NULL;

	assert_int_equal(virt_conn_open("test:///nonexistent/kvmnet.xml", 0, &c, &err), -EBADMSG);
	assert_null(c);
	assert_non_null(strstr(err, "/nonexistent/kvmnet.xml"));
	free(err);
}

static void test_close_null(void **state)
{
	virt_conn_close(NULL);
	_cleanup_virconn_ virConnectPtr c = NULL;
}

static void test_error_take_without_error(void **state)
{
	char *msg = NULL;

	virResetLastError();
	assert_int_equal(virt_error_take(&msg), -EIO);
	assert_string_equal(msg, "unknown libvirt error");
	free(msg);
}

static void test_no_domain_errno(void **state)
{
	_cleanup_virconn_ virConnectPtr c = NULL;
	char *msg = NULL;

	assert_int_equal(virt_conn_open("test:///default", 0, &c, NULL), 0);
	assert_null(virDomainLookupByName(c, "no-such-domain"));
	assert_int_equal(virt_error_take(&msg), -ENOENT);
	assert_true(strlen(msg) > 0);
	free(msg);
}

/* VirtJob: steps in a thread of their own, within one time budget. */
typedef struct Probe {
	pthread_t thread;
	virConnectPtr conn;
	int domains;
	int gate;	    /* -1, or a pipe end the step reads a byte from first */
	unsigned sleep_ms;  /* the step sleeps that long first */
	int result;	    /* what the step returns when not 0 */
	atomic_int steps;
} Probe;

static int freed_pipe[2] = { -1, -1 }; /* probe_free writes a byte here */

static Probe *probe_new(void)
{
	Probe *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->gate = -1;
	return p;
}

static void probe_free(void *payload)
{
	free(payload);
	if (freed_pipe[1] >= 0 && write(freed_pipe[1], "x", 1) != 1)
		abort();
}

/* No cmocka asserts here: this runs off the main thread. */
static int probe_step(virConnectPtr c, void *payload, char **ret_error)
{
	Probe *p = payload;
	char b;

	atomic_fetch_add(&p->steps, 1);
	p->thread = pthread_self();
	if (p->gate >= 0 && read(p->gate, &b, 1) != 1)
		abort();
	if (p->sleep_ms)
		usleep(p->sleep_ms * 1000);
	if (p->result) {
		*ret_error = strdup("the step's own failure");
		return p->result;
	}
	p->conn = c;
	p->domains = virConnectNumOfDomains(c);
	return p->domains < 0 ? virt_error_take(ret_error) : 0;
}

static void test_job_steps(void **state)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	Probe *p = probe_new();
	virConnectPtr first;
	char *err = NULL;

	assert_int_equal(virt_job_new("test:///default", VIRT_CONN_READ_ONLY, 5000000, p, free, &j), 0);
	assert_false(virt_job_connected(j));
	assert_int_equal(virt_job_step(j, probe_step, &err), 0);
	assert_null(err);
	assert_int_equal(p->domains, 1);
	assert_false(pthread_equal(p->thread, pthread_self()));
	assert_true(virt_job_connected(j));
	/* The next step uses the same connection. */
	first = p->conn;
	assert_int_equal(virt_job_step(j, probe_step, NULL), 0);
	assert_ptr_equal(p->conn, first);
	assert_int_equal(atomic_load(&p->steps), 2);
	assert_false(virt_job_timed_out(j));
}

static void test_job_no_limit_inline(void **state)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	Probe *p = probe_new();

	assert_int_equal(virt_job_new("test:///default", 0, 0, p, free, &j), 0);
	assert_int_equal(virt_job_step(j, probe_step, NULL), 0);
	assert_true(pthread_equal(p->thread, pthread_self()));
}

static void test_job_open_fails(void **state)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	Probe *p = probe_new();
	char *err = NULL;

	assert_int_equal(virt_job_new("nosuchdriver:///x", 0, 5000000, p, free, &j), 0);
	assert_true(virt_job_step(j, probe_step, &err) < 0);
	assert_non_null(err);
	free(err);
	assert_int_equal(atomic_load(&p->steps), 0);
	assert_false(virt_job_connected(j));
	assert_true(virt_job_open_failed(j));
	assert_false(virt_job_timed_out(j));
}

static void test_job_step_fails(void **state)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	Probe *p = probe_new();
	char *err = NULL;

	assert_int_equal(virt_job_new("test:///default", 0, 5000000, p, free, &j), 0);
	p->result = -ENOENT;
	assert_int_equal(virt_job_step(j, probe_step, &err), -ENOENT);
	assert_string_equal(err, "the step's own failure");
	free(err);
	assert_true(virt_job_connected(j));
	assert_false(virt_job_open_failed(j));
	/* A timeout libvirt reports itself is not the job's. */
	p->result = -ETIMEDOUT;
	assert_int_equal(virt_job_step(j, probe_step, &err), -ETIME);
	assert_string_equal(err, "the step's own failure");
	free(err);
	assert_false(virt_job_timed_out(j));
	p->result = 0;
	assert_int_equal(virt_job_step(j, probe_step, NULL), 0);
}

/* The last step closes in its own thread; a failure there is still the
 * step's, not the open's. */
static void test_job_last_step(void **state)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	Probe *p = probe_new();
	char *err = NULL;

	assert_int_equal(virt_job_new("test:///default", VIRT_CONN_READ_ONLY, 5000000, p, free, &j), 0);
	assert_int_equal(virt_job_last_step(j, probe_step, NULL), 0);
	assert_int_equal(p->domains, 1);
	assert_false(virt_job_connected(j));
	p->result = -EACCES;
	assert_int_equal(virt_job_last_step(j, probe_step, &err), -EACCES);
	assert_non_null(err);
	free(err);
	assert_false(virt_job_open_failed(j));
	assert_false(virt_job_connected(j));
	/* Once more: it connects again. */
	p->result = 0;
	assert_int_equal(virt_job_step(j, probe_step, NULL), 0);
	assert_true(virt_job_connected(j));
}

static uint64_t ms_since(uint64_t t0)
{
	return (now_monotonic_us() - t0) / 1000;
}

static void wait_freed(void)
{
	char b;

	assert_int_equal(read(freed_pipe[0], &b, 1), 1);
}

static void test_job_timeout(void **state)
{
	VirtJob *j = NULL;
	Probe *p = probe_new();
	int gate[2];
	uint64_t t0;

	assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
	assert_int_equal(pipe2(freed_pipe, O_CLOEXEC), 0);
	p->gate = gate[0];
	assert_int_equal(virt_job_new("test:///default", 0, 300000, p, probe_free, &j), 0);
	t0 = now_monotonic_us();
	assert_int_equal(virt_job_step(j, probe_step, NULL), -ETIMEDOUT);
	assert_true(ms_since(t0) >= 300 && ms_since(t0) < 2000);
	assert_true(virt_job_timed_out(j));
	assert_false(virt_job_connected(j));
	/* Later steps do not run, nor wait; nor does the end of the job. */
	t0 = now_monotonic_us();
	assert_int_equal(virt_job_step(j, probe_step, NULL), -ETIMEDOUT);
	virt_job_free(j);
	assert_true(ms_since(t0) < 100);
	/* Released, the step returns in its thread, which frees the payload
	 * and closes the connection. */
	assert_int_equal(write(gate[1], "x", 1), 1);
	wait_freed();
	close(gate[0]);
	close(gate[1]);
	close(freed_pipe[0]);
	close(freed_pipe[1]);
	freed_pipe[0] = freed_pipe[1] = -1;
}

/* One budget for the whole job: a second step gets what the first left. */
static void test_job_budget(void **state)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	Probe *p = probe_new();
	uint64_t t0;

	assert_int_equal(pipe2(freed_pipe, O_CLOEXEC), 0);
	p->sleep_ms = 600;
	assert_int_equal(virt_job_new("test:///default", 0, 900000, p, probe_free, &j), 0);
	assert_int_equal(virt_job_step(j, probe_step, NULL), 0);
	t0 = now_monotonic_us();
	assert_int_equal(virt_job_step(j, probe_step, NULL), -ETIMEDOUT);
	assert_true(ms_since(t0) < 550);
	wait_freed();
	close(freed_pipe[0]);
	close(freed_pipe[1]);
	freed_pipe[0] = freed_pipe[1] = -1;
}

static void test_timeout_reason(void **state)
{
	char *s;

	s = virt_timeout_reason("qemu:///system", 10000000);
	assert_string_equal(s, "libvirt qemu:///system did not answer within 10 s");
	free(s);
	s = virt_timeout_reason(NULL, 500000);
	assert_string_equal(s, "libvirt default did not answer within 0.5 s");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_errors_not_printed),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_close_null),
		cmocka_unit_test(test_error_take_without_error),
		cmocka_unit_test(test_no_domain_errno),
		cmocka_unit_test(test_job_steps),
		cmocka_unit_test(test_job_no_limit_inline),
		cmocka_unit_test(test_job_open_fails),
		cmocka_unit_test(test_job_step_fails),
		cmocka_unit_test(test_job_last_step),
		cmocka_unit_test(test_job_timeout),
		cmocka_unit_test(test_job_budget),
		cmocka_unit_test(test_timeout_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
