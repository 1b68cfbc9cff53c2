/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/line-diff.h"
#include "model/domain-edit.h"
#include "model/domain-xml.h"

static char *slurp(const char *name)
{
	char path[4096], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/domain-xml/%s", getenv("KVMNET_FIXTURES"), name);
	f = fopen(path, "re");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static DomainDef *parse(const char *xml)
{
	DomainDef *d = NULL;
	char *err = NULL;

	if (domain_xml_parse(xml, strlen(xml), &d, &err) < 0)
		fail_msg("%s\n%s", err, xml);
	return d;
}

static void test_driver_queues(void **state)
{
	char *xml = slurp("debian12-live.xml"), *old = NULL, *new = NULL, *diff = NULL;
	IfaceEdit e = { .index = 0, .mac = "52:54:00:6B:3C:58", .driver_name = "qemu", .queues = 2 };

	assert_int_equal(domain_xml_normalize(xml, &old, NULL), 0);
	assert_int_equal(domain_xml_edit_ifaces(xml, &e, 1, &new, NULL), 0);
	/* Only the <driver> line differs; rx_queue_size is kept. */
	assert_int_equal(line_diff_unified(old, new, "old", "new", 0, &diff), 0);
	assert_string_equal(diff, "--- old\n+++ new\n@@ -68,1 +68,1 @@\n"
				  "-      <driver name=\"vhost\" queues=\"4\" rx_queue_size=\"1024\"/>\n"
				  "+      <driver name=\"qemu\" queues=\"2\" rx_queue_size=\"1024\"/>\n");
	_cleanup_domain_def_ DomainDef *d = parse(new);
	assert_string_equal(d->ifaces[0].driver_name, "qemu");
	assert_int_equal(d->ifaces[0].queues, 2);
	assert_int_equal(d->n_disks, 3);
	assert_int_equal(d->n_vcpupins, 4);
	assert_string_equal(d->os_id, "http://debian.org/debian/12");
	free(xml);
	free(old);
	free(new);
	free(diff);
}

static void test_create_and_drop(void **state)
{
	const char *xml = "<domain><name>a</name><devices>"
			  "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/></interface>"
			  "<interface type='bridge'><source bridge='br0'/><model type='virtio'/>"
			  "<driver name='vhost' queues='4'/></interface>"
			  "</devices></domain>";
	IfaceEdit e[] = {
		{ .index = 0, .model = "virtio", .driver_name = "vhost", .queues = 4 },
		{ .index = 1, .model = "e1000e", .drop_driver = true },
	};
	char *new = NULL;

	assert_int_equal(domain_xml_edit_ifaces(xml, e, 2, &new, NULL), 0);
	_cleanup_domain_def_ DomainDef *d = parse(new);
	assert_string_equal(d->ifaces[0].model, "virtio");
	assert_string_equal(d->ifaces[0].driver_name, "vhost");
	assert_int_equal(d->ifaces[0].queues, 4);
	assert_string_equal(d->ifaces[0].mac, "52:54:00:00:00:01");
	assert_string_equal(d->ifaces[1].model, "e1000e");
	assert_null(d->ifaces[1].driver_name);
	assert_int_equal(d->ifaces[1].queues, 0);
	free(new);
}

static void test_queues_removed(void **state)
{
	const char *xml = "<domain><name>a</name><devices><interface type='bridge'><model type='virtio'/>"
			  "<driver name='vhost' queues='4' txmode='iothread'/></interface></devices></domain>";
	IfaceEdit e = { .index = 0, .driver_name = "vhost", .queues = 0 };
	char *new = NULL;

	assert_int_equal(domain_xml_edit_ifaces(xml, &e, 1, &new, NULL), 0);
	assert_null(strstr(new, "queues"));
	assert_non_null(strstr(new, "txmode=\"iothread\""));
	free(new);
}

static void test_errors(void **state)
{
	const char *xml = "<domain><name>a</name><devices><interface type='bridge'>"
			  "<mac address='52:54:00:00:00:01'/></interface></devices></domain>";
	IfaceEdit wrong_mac = { .index = 0, .mac = "52:54:00:00:00:02", .model = "virtio" };
	IfaceEdit missing = { .index = 1, .model = "virtio" };
	char *new = NULL, *err = NULL;

	assert_int_equal(domain_xml_edit_ifaces(xml, &wrong_mac, 1, &new, &err), -EINVAL);
	assert_non_null(strstr(err, "52:54:00:00:00:02"));
	free(err);
	assert_int_equal(domain_xml_edit_ifaces(xml, &missing, 1, &new, &err), -EINVAL);
	assert_non_null(strstr(err, "no interface 1"));
	free(err);
	assert_int_equal(domain_xml_normalize("<domain", &new, &err), -EINVAL);
	free(err);
	assert_int_equal(domain_xml_normalize("<network/>", &new, NULL), -EINVAL);
	assert_null(new);
}

/* The persistent-member edit on an inactive definition, against a golden
 * file (tests/fixtures/domain-xml/team-inactive.teamed.xml); then undone,
 * the document is the normalized original again. */
static void test_teaming_golden(void **state)
{
	char *xml = slurp("team-inactive.xml"), *want = slurp("team-inactive.teamed.xml");
	char *old = NULL, *new = NULL, *back = NULL;
	IfaceEdit add = { .index = 1, .mac = "52:54:00:3A:10:02", .teaming = IFACE_TEAMING_PERSISTENT,
			  .alias = "ua-kvmnet-5254003a1002" };
	IfaceEdit undo = { .index = 1, .teaming = IFACE_TEAMING_REMOVE, .drop_alias = true };

	assert_int_equal(domain_xml_edit_ifaces(xml, &add, 1, &new, NULL), 0);
	assert_string_equal(new, want);
	_cleanup_domain_def_ DomainDef *d = parse(new);
	assert_int_equal(d->ifaces[1].teaming, DOMAIN_TEAMING_PERSISTENT);
	assert_null(d->ifaces[1].teaming_persistent);
	assert_string_equal(d->ifaces[1].alias, "ua-kvmnet-5254003a1002");
	assert_int_equal(d->ifaces[0].teaming, DOMAIN_TEAMING_NONE);
	assert_null(d->ifaces[0].alias);
	assert_int_equal(d->ifaces[1].queues, 2);

	assert_int_equal(domain_xml_normalize(xml, &old, NULL), 0);
	assert_int_equal(domain_xml_edit_ifaces(new, &undo, 1, &back, NULL), 0);
	assert_string_equal(back, old);
	free(xml);
	free(want);
	free(old);
	free(new);
	free(back);
}

/* An existing <teaming> (a stale transient one, say) is rewritten, not
 * doubled, and an existing alias is replaced in place. */
static void test_teaming_rewrite(void **state)
{
	const char *xml = "<domain><name>a</name><devices><interface type='bridge'><model type='virtio'/>"
			  "<teaming type='transient' persistent='ua-x'/><alias name='net0'/></interface>"
			  "</devices></domain>";
	IfaceEdit e = { .index = 0, .teaming = IFACE_TEAMING_PERSISTENT, .alias = "ua-kvmnet-020000000001" };
	char *new = NULL;

	assert_int_equal(domain_xml_edit_ifaces(xml, &e, 1, &new, NULL), 0);
	/* Written as it came, on one line: no indentation is added. */
	assert_string_equal(new, "<domain><name>a</name><devices><interface type=\"bridge\"><model type=\"virtio\"/>"
				 "<teaming type=\"persistent\"/><alias name=\"ua-kvmnet-020000000001\"/></interface>"
				 "</devices></domain>\n");
	free(new);
}

/* Found by fuzz-domain-xml (tests/fuzz/corpus/fuzz-domain-xml/
 * name-markup-blank): libvirt takes <name> as its concatenated text, so
 * "<b>x</b> <c>y</c>" is the domain "x y"; dropping the blank between the
 * elements and re-indenting made vm apply define "\n    x\n    y\n  " or
 * "xy".  Every text the edit does not touch is kept byte for byte. */
static void test_texts_kept(void **state)
{
	const char *xml = "<domain type='kvm'>\n  <name><b>x</b> <c>y</c></name>\n"
			  "  <description>  two  spaces\n\tand a tab </description>\n"
			  "  <metadata><other:x xmlns:other='urn:x'> <a/> <b>\n</b> </other:x></metadata>\n"
			  "  <devices>\n    <interface type='bridge'>\n      <mac address='02:00:00:00:00:01'/>\n"
			  "      <model type='virtio'/>\n    </interface>\n  </devices>\n</domain>";
	IfaceEdit e = { .index = 0, .driver_name = "vhost", .queues = 2 };
	char *old = NULL, *new = NULL, *diff = NULL;

	assert_int_equal(domain_xml_normalize(xml, &old, NULL), 0);
	_cleanup_domain_def_ DomainDef *d = parse(old);
	assert_string_equal(d->name, "x y");
	assert_non_null(strstr(old, "<name><b>x</b> <c>y</c></name>"));
	assert_non_null(strstr(old, "<description>  two  spaces\n\tand a tab </description>"));
	assert_non_null(strstr(old, "<other:x xmlns:other=\"urn:x\"> <a/> <b>\n</b> </other:x>"));

	/* An edit changes its lines only, indented like their neighbours. */
	assert_int_equal(domain_xml_edit_ifaces(xml, &e, 1, &new, NULL), 0);
	assert_int_equal(line_diff_unified(old, new, "old", "new", 0, &diff), 0);
	assert_string_equal(diff, "--- old\n+++ new\n@@ -10,0 +11,1 @@\n"
				  "+      <driver name=\"vhost\" queues=\"2\"/>\n");
	_cleanup_domain_def_ DomainDef *d2 = parse(new);
	assert_string_equal(d2->name, "x y");
	free(old);
	free(new);
	free(diff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver_queues),
		cmocka_unit_test(test_create_and_drop),
		cmocka_unit_test(test_queues_removed),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_teaming_golden),
		cmocka_unit_test(test_teaming_rewrite),
		cmocka_unit_test(test_texts_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
