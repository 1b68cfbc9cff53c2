/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains.c against libvirt's in-process test driver loaded with
 * tests/fixtures/libvirt-test/node.xml: the real client API and real XML
 * from libvirt's formatter, with VFs no machine here has. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/strv.h"
#include "virt/domains.h"
#include "virt/virt-conn.h"

static virConnectPtr open_node(void)
{
	char uri[4096];
	virConnectPtr c = NULL;
	char *err = NULL;

	snprintf(uri, sizeof(uri), "test://%s/libvirt-test/node.xml", getenv("KVMNET_FIXTURES"));
	if (virt_conn_open(uri, 0, &c, &err) < 0)
		fail_msg("%s: %s", uri, err);
	return c;
}

static PciAddr pci(const char *s)
{
	PciAddr a;

	assert_int_equal(pci_addr_parse(s, &a), 0);
	return a;
}

static void test_running(void **state)
{
	_cleanup_virconn_ virConnectPtr c = open_node();
	_cleanup_domain_list_ DomainList *l = NULL;

	assert_int_equal(virt_domains_running(c, &l, NULL), 0);
	/* Sorted by name; vm-off is not running. */
	assert_int_equal(l->n, 2);
	assert_string_equal(l->defs[0]->name, "vm-a");
	assert_string_equal(l->defs[1]->name, "vm-b");
	assert_true(l->defs[1]->id > 0);
	assert_int_equal(l->defs[1]->vcpus, 4);
	assert_int_equal(l->defs[1]->n_ifaces, 2);
	assert_int_equal(l->defs[1]->ifaces[1].teaming, DOMAIN_TEAMING_TRANSIENT);
}

static void test_names(void **state)
{
	_cleanup_virconn_ virConnectPtr c = open_node();
	char **names = NULL;

	/* Every domain, running or not, sorted (node.xml lists vm-b first). */
	assert_int_equal(virt_domain_names(c, &names, NULL), 0);
	assert_int_equal(strv_length(names), 3);
	assert_string_equal(names[0], "vm-a");
	assert_string_equal(names[1], "vm-b");
	assert_string_equal(names[2], "vm-off");
	strv_free(names);
}

static void test_holders(void **state)
{
	_cleanup_virconn_ virConnectPtr c = open_node();
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	const PciHolder *h;
	PciAddr a;

	assert_int_equal(virt_pci_holders(c, &m, NULL), 0);
	assert_int_equal(m->n, 3);
	a = pci("0000:03:10.0");
	h = pci_holders_find(m, &a);
	assert_non_null(h);
	assert_string_equal(h->domain, "vm-a");
	assert_true(h->interface);
	a = pci("03:10.2");
	assert_string_equal(pci_holders_find(m, &a)->domain, "vm-b");
	a = pci("0000:5e:00.1");
	h = pci_holders_find(m, &a);
	assert_string_equal(h->domain, "vm-b");
	assert_false(h->interface);
	/* vm-off's VF is free: the domain is defined but not running. */
	a = pci("0000:03:10.4");
	assert_null(pci_holders_find(m, &a));
	/* A holder map outlives the connection and the domain list. */
	virt_conn_close(TAKE_PTR(c));
	assert_string_equal(m->items[0].domain, "vm-a");
}

static void test_get(void **state)
{
	_cleanup_virconn_ virConnectPtr c = open_node();
	_cleanup_domain_def_ DomainDef *d = NULL;
	char *xml = NULL, *err = NULL;
	virDomainPtr dom = NULL;

	assert_int_equal(virt_domain_get(c, "vm-off", VIR_DOMAIN_XML_INACTIVE, &d, &xml, &dom, NULL), 0);
	assert_string_equal(d->name, "vm-off");
	assert_non_null(strstr(xml, "<name>vm-off</name>"));
	assert_int_equal(virDomainIsActive(dom), 0);
	virDomainFree(dom);
	free(xml);
	domain_def_free(TAKE_PTR(d));

	/* By UUID, without the optional outputs. */
	assert_int_equal(virt_domain_get(c, "ef861801-45b9-11cb-88e3-afbfe5370493", 0, &d, NULL, NULL, NULL), 0);
	assert_string_equal(d->name, "vm-a");

	assert_int_equal(virt_domain_get(c, "nope", 0, &d, NULL, NULL, &err), -ENOENT);
	assert_non_null(strstr(err, "'nope'"));
	free(err);
}

static void test_build_pure(void **state)
{
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	const char *x1 = "<domain><name>z</name><devices><hostdev mode='subsystem' type='pci'><source>"
			 "<address bus='1' slot='0' function='1'/></source></hostdev></devices></domain>";
	const char *x2 = "<domain><name>y</name><devices><interface type='hostdev'><source>"
			 "<address type='pci' bus='1' slot='0' function='1'/></source><alias name='hostdev0'/>"
			 "</interface></devices></domain>";
	DomainDef *defs[2] = {};
	PciAddr a = pci("01:00.1");

	assert_int_equal(domain_xml_parse(x1, strlen(x1), &defs[0], NULL), 0);
	assert_int_equal(domain_xml_parse(x2, strlen(x2), &defs[1], NULL), 0);
	/* Two domains claiming one function (libvirt prevents it, but a stale
	 * view may show it): both kept, the lookup is deterministic. */
	assert_int_equal(pci_holders_build(defs, 2, &m), 0);
	assert_int_equal(m->n, 2);
	assert_string_equal(pci_holders_find(m, &a)->domain, "y");
	assert_string_equal(pci_holders_find(m, &a)->alias, "hostdev0");
	pci_holders_free(TAKE_PTR(m));

	assert_int_equal(pci_holders_build(defs, 0, &m), 0);
	assert_int_equal(m->n, 0);
	assert_null(pci_holders_find(m, &a));
	assert_null(pci_holders_find(NULL, &a));
	domain_def_free(defs[0]);
	domain_def_free(defs[1]);
}

static void test_free_null(void **state)
{
	domain_list_free(NULL);
	pci_holders_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_holders),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_build_pure),
		cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
