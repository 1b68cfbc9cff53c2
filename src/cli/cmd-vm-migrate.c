/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl vm migrate: a live migration that kvmnet's VFs do not break.
 * core/migrate-check.c decides (M1-M3); the VFs go back to kvmnetd first
 * through the domain's live kvmnet metadata (manage="no"), the migration
 * runs, and the destination's copy gets the metadata it had, so that
 * kvmnetd there gives VFs of its own.  A failed migration, or VFs not
 * taken back in time, restores the metadata here. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/deadline.h"
#include "basic/parse-util.h"
#include "commands.h"
#include "core/migrate-check.h"
#include "virt/metadata.h"
#include "virt/migration.h"
#include "vm-common.h"

static void migrate_help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl vm migrate DOMAIN DEST-URI [--migrate-uri URI] [--persistent]\n"
		"                            [--undefine-source] [--handback-timeout TIME] [--dry-run]\n"
		"\n"
		"Live-migrate a running DOMAIN to the libvirt at DEST-URI (qemu+ssh://host/system),\n"
		"as 'virsh migrate --live' does, after handing its VFs back to kvmnetd: libvirt\n"
		"cannot migrate an assigned device, and a VF it would take along as a transient\n"
		"failover member names this host's PCI address, which on the destination is\n"
		"another device (kvmnet's hook there refuses it).  The domain is opted out in its\n"
		"live kvmnet metadata (manage=\"no\"), kvmnetd detaches its VFs (a teamed guest\n"
		"goes on over its virtio NIC), it migrates, and the destination's copy gets the\n"
		"metadata it had, so kvmnetd there gives VFs of its own.  If the VFs are not\n"
		"taken back in time or the migration fails, the metadata is restored here and\n"
		"kvmnetd gives the VFs back.  Refused, nothing changed: a PCI <hostdev> (not\n"
		"kvmnet's), a VF that is the domain's only NIC.\n"
		"\n"
		"--timeout bounds the first look at the domain, not the migration.\n"
		"\n"
		"Options:\n"
		"  -m, --migrate-uri URI         where the migration stream goes (tcp://host:port)\n"
		"  -p, --persistent              define the domain on the destination too\n"
		"  -u, --undefine-source         undefine it here once it runs there\n"
		"  -w, --handback-timeout TIME   how long kvmnetd may take to detach the VFs\n"
		"                                (90s, 2m; default 60s)\n"
		"  -n, --dry-run                 check and say what would happen; change nothing\n"
		"  -h, --help                    this help\n");
}

typedef struct MigrateArgs {
	const char *name, *dest, *migrate_uri;
	unsigned flags; /* VIR_MIGRATE_PERSIST_DEST, VIR_MIGRATE_UNDEFINE_SOURCE */
	uint64_t handback_us;
	bool dry_run;
} MigrateArgs;

/* Print "kvmnetctl vm migrate: ..." on stderr; return r. */
static int say(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(int r, const char *fmt, ...)
{
	va_list ap;

	fputs("kvmnetctl vm migrate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	return r;
}

/* How many VFs to hand back (said on stdout), or -EPERM after the
 * refusal (on stderr). */
static int check(const DomainDef *d, const char *dest)
{
	_cleanup_(migrate_check_done) MigrateCheck c = {};
	_cleanup_free_ char *why = NULL;

	if (migrate_check(d, &c) < 0 || (migrate_refused(&c) && migrate_refusal(d, &c, &why) < 0))
		return say(-ENOMEM, "%s\n", strerror(ENOMEM));
	if (migrate_refused(&c))
		return say(-EPERM, "%s\n", why);
	if (c.n_teamed + c.n_unteamed == 0)
		printf("%s: holds no VF.\n", d->name);
	else
		printf("%s: VFs %s go back to kvmnetd before the migration%s; kvmnetd at %s gives VFs of its own.\n",
		       d->name, c.vfs,
		       c.n_unteamed > 0 ? " (without teaming the guest loses their addresses meanwhile)" : "", dest);
	return (int)(c.n_teamed + c.n_unteamed);
}

/* The domain's VFs (hostdev interfaces) in its live XML; -errno. */
static int vfs_held(virConnectPtr c, const char *name)
{
	_cleanup_domain_def_ DomainDef *d = NULL;
	_cleanup_free_ char *err = NULL;
	int r = virt_domain_get(c, name, 0, &d, NULL, NULL, &err), n = 0;

	for (size_t k = 0; r >= 0 && k < d->n_ifaces; k++)
		n += d->ifaces[k].type == DOMAIN_IFACE_HOSTDEV;
	return r < 0 ? r : n;
}

/* Opt the domain out live and wait for kvmnetd to detach its VFs;
 * *ret_orig: the kvmnet element it had (NULL: none), to restore. */
static int hand_back(virConnectPtr c, const MigrateArgs *a, char **ret_orig)
{
	_cleanup_free_ char *orig = NULL, *out = NULL, *err = NULL;
	uint64_t end = now_monotonic_us() + a->handback_us;
	int r, n;

	if (virt_domain_metadata_live(c, a->name, &orig, &err) < 0)
		return say(-EIO, "%s: reading its kvmnet metadata: %s; nothing changed\n", a->name, err);
	if (kvmnet_metadata_with_manage(orig, "no", &out) < 0)
		return say(-EINVAL, "%s: its kvmnet metadata %s does not parse; nothing changed\n", a->name, orig);
	if (virt_domain_metadata_set_live(c, a->name, out, &err) < 0)
		return say(-EIO, "%s: opting it out: %s; nothing changed\n", a->name, err);
	printf("%s: opted out of kvmnet (manage=\"no\", live) for the move; kvmnetd takes its VFs back.\n", a->name);
	fflush(stdout);
	while ((n = vfs_held(c, a->name)) != 0 && now_monotonic_us() < end)
		nanosleep(&(struct timespec){ .tv_nsec = 500 * 1000 * 1000 }, NULL);
	if (n == 0) {
		*ret_orig = TAKE_PTR(orig);
		return 0;
	}
	r = virt_domain_metadata_set_live(c, a->name, orig, &err);
	if (r < 0)
		return say(-EIO, "%s: kvmnetd did not take its VFs back and restoring its metadata failed (%s): set it back "
			    "with virsh metadata %s " KVMNET_METADATA_NS " --live\n",
			    a->name, err, a->name);
	return say(-ETIMEDOUT, "%s: %s; its metadata is restored, nothing else changed (is kvmnetd running? kvmnetctl "
		    "status)\n",
		    a->name, n < 0 ? "its live XML could not be read" : "kvmnetd did not take its VFs back in time");
}

/* Give the destination's copy the metadata it had here. */
static int restore_on_dest(const MigrateArgs *a, const char *orig)
{
	_cleanup_virconn_ virConnectPtr dc = NULL;
	_cleanup_free_ char *err = NULL;

	if (virt_conn_open(a->dest, 0, &dc, &err) < 0 || virt_domain_metadata_set_live(dc, a->name, orig, &err) < 0)
		return say(-EIO, "%s runs at %s opted out of kvmnet; setting its metadata back failed (%s): run there virsh "
			    "metadata %s " KVMNET_METADATA_NS " --live %s\n",
			    a->name, a->dest, err, a->name, orig ? "--key kvmnet --set 'ORIGINAL'" : "--remove");
	return 0;
}

static int migrate_run(const MigrateArgs *a)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	_cleanup_virconn_ virConnectPtr c = NULL;
	_cleanup_free_ char *err = NULL, *orig = NULL;
	VmJob *v;
	uint64_t t0;
	int r, n;

	if (vm_job_new("vm migrate", a->name, VIRT_CONN_READ_ONLY, 0, &j, &v) < 0 ||
	    cli_virt_step("vm migrate", j, vm_step_get, true, "nothing changed") < 0)
		return EXIT_FAILED;
	if (v->running != 1)
		return say(EXIT_FAILED, "%s is not running: a live migration needs a running domain\n", a->name);
	n = check(v->def, a->dest);
	if (n < 0 || a->dry_run)
		return n < 0 ? EXIT_FAILED : EXIT_OK;
	r = virt_conn_open(cli.uri, 0, &c, &err);
	if (r < 0)
		return say(EXIT_FAILED, "%s: %s; nothing changed\n", cli.uri, err ? err : strerror(-r));
	if (n > 0 && hand_back(c, a, &orig) < 0)
		return EXIT_FAILED;
	t0 = now_monotonic_us();
	r = virt_domain_migrate_live(c, a->name, a->dest, a->migrate_uri, a->flags, &err);
	if (r < 0) {
		_cleanup_free_ char *err2 = NULL;

		fprintf(stderr, "kvmnetctl vm migrate: %s: libvirt: %s; it runs on this host still\n", a->name,
			err ? err : strerror(-r));
		if (n > 0 && virt_domain_metadata_set_live(c, a->name, orig, &err2) < 0)
			return say(EXIT_FAILED, "%s: setting its kvmnet metadata back failed (%s): it stays opted out\n", a->name,
				    err2);
		if (n > 0)
			fprintf(stderr, "kvmnetctl vm migrate: %s: its kvmnet metadata is restored; kvmnetd gives its VFs "
				"back\n", a->name);
		return EXIT_FAILED;
	}
	printf("Migrated %s to %s in %.1f s.\n", a->name, a->dest, (double)(now_monotonic_us() - t0) / 1e6);
	if (n > 0 && restore_on_dest(a, orig) < 0)
		return EXIT_FAILED;
	return EXIT_OK;
}

int cmd_vm_migrate(int argc, char **argv)
{
	static const struct option options[] = {
		{ "migrate-uri", required_argument, NULL, 'm' },
		{ "persistent", no_argument, NULL, 'p' },
		{ "undefine-source", no_argument, NULL, 'u' },
		{ "handback-timeout", required_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	MigrateArgs a = { .handback_us = 60 * 1000000ULL };
	int opt;

	while ((opt = getopt_long(argc, argv, "m:puw:nh", options, NULL)) >= 0)
		switch (opt) {
		case 'm':
			if (isempty(optarg))
				return cli_usage_error("vm migrate", "--migrate-uri: expected a URI like tcp://host:port");
			a.migrate_uri = optarg;
			break;
		case 'p':
			a.flags |= VIR_MIGRATE_PERSIST_DEST;
			break;
		case 'u':
			a.flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
			break;
		case 'w':
			if (parse_duration_us(optarg, &a.handback_us) < 0 || a.handback_us == 0)
				return cli_usage_error("vm migrate", "--handback-timeout '%s': expected a duration with "
						       "a unit (90s, 2m), more than 0", optarg);
			break;
		case 'n':
			a.dry_run = true;
			break;
		case 'h':
			migrate_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vm migrate", "unknown option");
		}
	if (optind + 2 != argc || isempty(argv[optind + 1]))
		return cli_usage_error("vm migrate", "expected DOMAIN and DEST-URI");
	a.name = argv[optind];
	a.dest = argv[optind + 1];
	return migrate_run(&a);
}
