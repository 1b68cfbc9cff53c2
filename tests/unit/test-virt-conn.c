/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-conn against libvirt's built-in test driver (test:///default), which
 * runs in-process: no daemon, yet the real libvirt client library. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
