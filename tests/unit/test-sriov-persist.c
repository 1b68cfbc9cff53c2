/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The persisted state text: round trip, and odd input refused with the line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "model/sriov-persist.h"

static void test_roundtrip(void **state)
{
	PersistVf vfs[2] = {
		{ .attrs = { .index = 0, .mask = VF_ATTR_ALL, .mac = { 2, 0, 0, 0, 0, 0x10 }, .vlan = 100, .qos = 3,
			     .spoofchk = true, .link_state = VF_LINK_STATE_DISABLE, .max_rate = 500 },
		  .bind = (char *)"vfio-pci" },
		{ .attrs = { .index = 3, .mask = VF_ATTR_BIT(VF_ATTR_TRUST), .trust = true } },
	};
	PersistPf p = { .pf = (char *)"0000:01:00.0", .numvfs = 4, .vfs = vfs, .n_vfs = 2 }, q;
	char *text = NULL, *again = NULL;

	assert_int_equal(persist_pf_format(&p, &text), 0);
	assert_non_null(strstr(text, "vf 0 mac 02:00:00:00:00:10 vlan 100 qos 3 spoofchk on trust off state disable "
				     "min-rate 0 max-rate 500 bind vfio-pci\n"));
	assert_non_null(strstr(text, "vf 3 trust on\n"));
	assert_int_equal(persist_pf_parse(text, &q, NULL), 0);
	assert_string_equal(q.pf, "0000:01:00.0");
	assert_int_equal(q.numvfs, 4);
	assert_int_equal(q.n_vfs, 2);
	assert_int_equal(q.vfs[0].attrs.mask, VF_ATTR_ALL);
	assert_int_equal(q.vfs[0].attrs.vlan, 100);
	assert_string_equal(q.vfs[0].bind, "vfio-pci");
	assert_null(q.vfs[1].bind);
	assert_int_equal(persist_pf_format(&q, &again), 0);
	assert_string_equal(text, again);
	persist_pf_done(&q);
	free(text);
	free(again);
}

static void bad(const char *text, unsigned want_line)
{
	PersistPf p;
	unsigned line = 99;

	assert_int_equal(persist_pf_parse(text, &p, &line), -EINVAL);
	assert_int_equal(line, want_line);
}

static void test_odd(void **state)
{
	PersistPf p;

	bad("", 0);
	bad("# nothing\n\n", 0);
	bad("pf 0000:01:00.0\n", 0);			      /* no numvfs */
	bad("numvfs 2\n", 0);				      /* no pf */
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 2 trust on\n", 0); /* index past numvfs */
	bad("pf 0000:01:00.0\n\n\nnumvfs -1\n", 4);
	bad("pf 0000:01:00.0\nnumvfs 2\nnumvfs 3\n", 3);
	bad("pf eth0\n", 1);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 0 vlan 4096\n", 3);
	/* Decimal only, and each attribute once (issue 19). */
	bad("pf 0000:01:00.0\nnumvfs 0x2\n", 2);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 0 vlan 10 vlan 20\n", 3);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 0 bind none bind vfio-pci\n", 3);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 0 trust\n", 3);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 0 trust on\nvf 0 trust off\n", 4);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf x\n", 3);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 1 bind xen\n", 3);
	bad("pf 0000:01:00.0\nnumvfs 2\nfrobnicate\n", 3);
	bad("pf 0000:01:00.0\nnumvfs 2\nvf 0 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac "
	    "02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 "
	    "mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac "
	    "02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:01\n",
	    3); /* more words than a line may hold */
	/* Comments, blank lines, CRLF and tabs are fine. */
	assert_int_equal(persist_pf_parse("# x\r\n\tpf  01:00.0 # the PF\r\nnumvfs 1\r\nvf 0\r\n", &p, NULL), 0);
	assert_string_equal(p.pf, "0000:01:00.0");
	assert_int_equal(p.vfs[0].attrs.mask, 0);
	persist_pf_done(&p);
	persist_pf_done(NULL);
}

static void test_words(void **state)
{
	char *w[] = { "min-rate", "10", "max-rate", "5" }, *err = NULL;
	PersistVf v = {};

	assert_int_equal(vf_words_parse(w, 4, false, &v, &err), -EINVAL);
	assert_string_equal(err, "min-rate 10: expected at most max-rate 5");
	free(err);
	err = NULL;
	{
		char *b[] = { "bind", "vfio-pci" };

		assert_int_equal(vf_words_parse(b, 2, false, &v, &err), -EINVAL);
		assert_non_null(strstr(err, "unknown attribute 'bind'"));
		free(err);
	}
	assert_int_not_equal(persist_hash("a", 1), persist_hash("b", 1));
}

static void check_word(const char *in, const char *want)
{
	char *w = NULL;

	assert_int_equal(systemd_exec_word(in, &w), 0);
	assert_string_equal(w, want);
	free(w);
}

/* ExecStart= as systemd.service(5) and systemd.syntax(7) read it. */
static void test_unit_escaping(void **state)
{
	char *text = NULL, *want = NULL, *path = NULL;

	check_word("/usr/local/sbin/kvmnetctl", "/usr/local/sbin/kvmnetctl");
	check_word("/opt/100%/kvmnetctl", "/opt/100%%/kvmnetctl");
	check_word("/opt/$HOME/kvmnetctl", "/opt/$$HOME/kvmnetctl");
	check_word("/opt/a b/kvmnetctl", "\"/opt/a b/kvmnetctl\"");
	check_word("/opt/a\\b", "\"/opt/a\\\\b\"");
	check_word("/opt/a;b", "\"/opt/a;b\"");
	assert_int_equal(systemd_exec_word("/opt/a\nb", &text), -EINVAL);
	assert_int_equal(systemd_exec_word("/opt/a\tb", &text), -EINVAL);
	assert_int_equal(systemd_exec_word("", &text), -EINVAL);
	assert_int_equal(persist_unit_format("kvmnetctl", &text), -EINVAL);
	assert_null(text);

	/* The whole unit, against its golden text. */
	assert_int_equal(persist_unit_format("/opt/kvm net/100%/$HOME/it's \"q\"\\/kvmnetctl", &text), 0);
	assert_true(asprintf(&path, "%s/persist-unit-escaped.service", getenv("KVMNET_TESTDATA")) > 0);
	assert_int_equal(read_user_file(path, 65536, &want, NULL), 0);
	assert_string_equal(text, want);
	free(text);
	free(want);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_odd),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_unit_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
