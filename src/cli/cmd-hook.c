/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl hook qemu: libvirt's qemu hook (installed as
 * /etc/libvirt/hooks/qemu.d/kvmnet).  On the destination of a live
 * migration it refuses an incoming domain XML that carries a VF of the
 * source host as a transient failover member (model/carried-vfs.h):
 * `kvmnetctl vm migrate` hands those back first.  Never calls libvirt:
 * libvirtd waits for the hook, and a call back would deadlock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "commands.h"
#include "model/carried-vfs.h"
#include "model/domain-xml.h"

static void hook_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl hook qemu DOMAIN OPERATION SUB-OPERATION [EXTRA]\n"
		"\n"
		"libvirt's qemu hook, run by libvirtd through /etc/libvirt/hooks/qemu.d/kvmnet\n"
		"with libvirt's own arguments; not a command for a person.\n"
		"\n"
		"For 'migrate begin' (the destination of a live migration, the domain XML on\n"
		"standard input) it refuses, exit status 1, a domain that carries the source\n"
		"host's VF as the transient member of a failover pair: libvirt names it by the\n"
		"source's PCI address, which here is another device or none.  libvirt then\n"
		"ends the migration before it starts; the domain runs on on the source, VF\n"
		"and all.  'kvmnetctl vm migrate' hands the VFs back to kvmnetd first, and\n"
		"the destination's kvmnetd gives VFs of its own.  A domain whose kvmnet\n"
		"metadata says manage=\"no\" is let through, as is one whose manage= is neither\n"
		"yes nor no (with a warning).  It never changes the XML; every other operation:\n"
		"nothing.\n");
}

/* The incoming XML; -EFBIG past what domain_xml_parse() takes. */
static int read_stdin(char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		ssize_t k;

		if (n + 1 >= cap) {
			char *b;

			if (cap > DOMAIN_XML_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 65536;
			b = realloc(buf, cap);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		k = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Exit status 1 refuses the migration (libvirt shows our standard error);
 * nothing on standard output: the XML stays as it came. */
static int migrate_in(const char *domain)
{
	_cleanup_free_ char *xml = NULL, *vfs = NULL, *err = NULL;
	bool unknown = false;
	int r;

	r = read_stdin(&xml);
	if (r < 0) {
		log_error_errno(r, "hook: %s: reading the incoming domain XML: %s", domain, strerror(-r));
		return EXIT_FAILED;
	}
	r = carried_vfs(xml, &vfs, &unknown, &err);
	if (r < 0) {
		log_error("hook: %s migrating in: %s", domain, err ? err : strerror(-r));
		return EXIT_FAILED;
	}
	if (r == 0)
		return EXIT_OK;
	log_error("hook: %s migrating in carries the source host's VF (%s) as a transient failover member, named by "
		  "the source's PCI address; refused, it runs on there.  Migrate it with kvmnetctl vm migrate, which "
		  "hands its VFs back to kvmnetd first",
		  domain, vfs);
	if (unknown)
		log_error("hook: %s: its kvmnet metadata is neither manage=\"yes\" nor manage=\"no\": whether it opted out "
			  "is unknown, so it is refused as kvmnet's",
			  domain);
	return EXIT_FAILED;
}

int cmd_hook(int argc, char **argv)
{
	if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		hook_help(stdout);
		return EXIT_OK;
	}
	if (argc < 5 || argc > 6 || !streq(argv[1], "qemu")) {
		hook_help(stderr);
		return EXIT_USAGE;
	}
	/* Standard error, not the journal: libvirtd puts a failed hook's
	 * standard error in the error virsh and its own log show. */
	if (streq(argv[3], "migrate") && streq(argv[4], "begin"))
		return migrate_in(argv[2]);
	return EXIT_OK;
}
