/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The journal entry of a log line (basic/log.h): its fields in order,
 * fields without a value left out, bad names and ids refused; and
 * $JOURNAL_STREAM matched against stderr's device and inode. */
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
#include "basic/strv.h"
#include "daemon/log-ids.h"

static void test_fields(void **state)
{
	LogField f[] = { { "KVMNET_DOMAIN", "web\n1" }, { "KVMNET_PF", NULL }, { "KVMNET_VF", "3" } };
	char **l = NULL;

	assert_int_equal(log_journal_fields(LOG_LEVEL_ERR, -EBUSY, "kvmnetd", LOG_ID_VF_ATTACHED, f, 3, "Attach it", &l),
			 0);
	assert_string_equal(l[0], "MESSAGE=Attach it");
	assert_string_equal(l[1], "PRIORITY=3");
	assert_string_equal(l[2], "SYSLOG_IDENTIFIER=kvmnetd");
	assert_string_equal(l[3], "ERRNO=16");
	assert_string_equal(l[4], "MESSAGE_ID=" LOG_ID_VF_ATTACHED);
	/* A newline in a value is sent as it is: sd_journal_sendv() uses
	 * the binary-safe form for it. */
	assert_string_equal(l[5], "KVMNET_DOMAIN=web\n1");
	assert_string_equal(l[6], "KVMNET_VF=3");
	assert_null(l[7]);
	strv_free(l);

	l = NULL;
	assert_int_equal(log_journal_fields(LOG_LEVEL_INFO, 0, NULL, NULL, NULL, 0, "plain", &l), 0);
	assert_string_equal(l[0], "MESSAGE=plain");
	assert_string_equal(l[1], "PRIORITY=6");
	assert_null(l[2]);
	strv_free(l);
}

static void test_bad(void **state)
{
	static const char *const names[] = { "", "_PID", "1X", "lower", "KVMNET-DOMAIN",
					     "A234567890123456789012345678901234567890123456789012345678901234X" };
	char **l = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		LogField f[] = { { names[i], "v" } };

		assert_int_equal(log_journal_fields(6, 0, NULL, NULL, f, 1, "m", &l), -EINVAL);
	}
	assert_int_equal(log_journal_fields(6, 0, NULL, "not-an-id", NULL, 0, "m", &l), -EINVAL);
	assert_int_equal(log_journal_fields(6, 0, NULL, "7E7901277E0D499CA0876AE497018A11", NULL, 0, "m", &l), -EINVAL);
	assert_null(l);
}

static void test_stream(void **state)
{
	struct stat st;
	char buf[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	unsetenv("JOURNAL_STREAM");
	assert_false(log_stderr_is_journal());
	snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", buf, 1);
	assert_true(log_stderr_is_journal());
	snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", buf, 1);
	assert_false(log_stderr_is_journal());
	setenv("JOURNAL_STREAM", "1:2:3", 1);
	assert_false(log_stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
