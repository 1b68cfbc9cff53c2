/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetctl vm balloon DOMAIN [--json]: the balloon's size and maximum and
 * the guest's own memory statistics; kvmnetctl vm balloon DOMAIN SIZE: set
 * it, never below the floor kvmnetd's policy keeps (core/balloon-policy).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "basic/size-util.h"
#include "commands.h"
#include "core/balloon-policy.h"
#include "virt/balloon.h"
#include "vm-common.h"

/* What QEMU is asked for when the domain has no stats period: the guest
 * then sends statistics every 5 s (libvirt's own suggestion in its docs). */
#define STATS_PERIOD_S 5

typedef struct BalloonJob {
	const char *name; /* argv */
	uint64_t set_kib; /* for step_set */
	DomainDef *def;
	VirtBalloon b;
	bool read; /* b was read: the domain runs */
	int period_r; /* 1: period set now, 0: not needed, < 0: setting failed */
} BalloonJob;

static void balloon_job_free(void *p)
{
	BalloonJob *j = p;

	if (!j)
		return;
	domain_def_free(j->def);
	free(j);
}

static int step_read(virConnectPtr c, void *payload, char **ret_error)
{
	BalloonJob *j = payload;
	virDomainPtr dom = NULL;
	int r;

	r = virt_domain_get(c, j->name, 0, &j->def, NULL, &dom, ret_error);
	if (r < 0)
		return r;
	if (j->def->id >= 0 && j->def->balloon == DOMAIN_BALLOON_VIRTIO && j->def->balloon_period == 0)
		j->period_r = virt_balloon_set_period(dom, STATS_PERIOD_S, NULL) < 0 ? -1 : 1;
	r = j->def->id >= 0 ? virt_balloon_read(dom, &j->b, ret_error) : -ENOENT;
	virDomainFree(dom);
	if (r == -ENOENT)
		return 0;
	j->read = r >= 0;
	return r;
}

static int step_set(virConnectPtr c, void *payload, char **ret_error)
{
	BalloonJob *j = payload;
	virDomainPtr dom = NULL;
	DomainDef *def = NULL;
	int r;

	r = virt_domain_get(c, j->name, 0, &def, NULL, &dom, ret_error);
	if (r < 0)
		return r;
	domain_def_free(def);
	r = virt_balloon_set(dom, j->set_kib, ret_error);
	virDomainFree(dom);
	return r;
}

/* The guest's statistics as the policy sees them; age from last_update. */
static BalloonGuest guest_of(const BalloonJob *j)
{
	const VirtBalloon *b = &j->b;
	time_t now = time(NULL);

	return (BalloonGuest){ .name = j->def->name,
			       .current_kib = b->current_kib,
			       .max_kib = b->max_kib,
			       .original_kib = BALLOON_UNKNOWN,
			       .unused_kib = b->unused_kib,
			       .available_kib = b->available_kib,
			       .usable_kib = b->usable_kib,
			       .swap_in_kib = b->swap_in_kib,
			       .swap_out_kib = b->swap_out_kib,
			       .major_faults = b->major_faults,
			       .stats_age_us = b->last_update_s == VIRT_BALLOON_UNKNOWN ||
							       (uint64_t)now < b->last_update_s
						       ? BALLOON_UNKNOWN
						       : ((uint64_t)now - b->last_update_s) * 1000000,
			       .has_driver = j->def->balloon == DOMAIN_BALLOON_VIRTIO && b->guest_stats };
}

static const char *model_name(DomainBalloon m)
{
	static const char *const n[] = { "absent", "none", "virtio", "other" };

	return m <= DOMAIN_BALLOON_OTHER ? n[m] : "?";
}

static const char *kib_str(uint64_t kib, char buf[static SIZE_STR_MAX])
{
	if (kib == VIRT_BALLOON_UNKNOWN)
		return "unknown";
	return format_kib(kib, buf);
}

/* "floor 2.3 GiB: used 2.0 GiB + margin 256.0 MiB" or why there is none. */
static void print_floor(const BalloonJob *j, FILE *f)
{
	BalloonGuest g = guest_of(j);
	const char *skip;
	BalloonParams p;
	char a[SIZE_STR_MAX], b[SIZE_STR_MAX], c[SIZE_STR_MAX], m[SIZE_STR_MAX];
	uint64_t floor;

	balloon_params_default(&p);
	skip = balloon_guest_skip_reason(&p, &g);
	if (skip || balloon_floor(&p, &g, &floor) < 0) {
		fprintf(f, "no floor: %s, so what the guest uses is unknown and it is not shrunk",
			skip ? skip : "statistics incomplete");
		return;
	}
	fprintf(f, "floor %s: used %s (MemTotal - MemAvailable) + margin %s, never below %.0f%% of maximum (%s)",
		format_kib(floor, a),
		format_kib(g.available_kib - (g.usable_kib != BALLOON_UNKNOWN ? g.usable_kib : g.unused_kib), b),
		format_kib(p.margin_kib, m), p.min_share * 100, format_kib((uint64_t)(p.min_share * g.max_kib), c));
}

static void print_updated(uint64_t last, FILE *f)
{
	time_t now = time(NULL), t = (time_t)last;
	char buf[64];
	struct tm tm;

	if (last == VIRT_BALLOON_UNKNOWN) {
		fprintf(f, "never");
		return;
	}
	if ((uint64_t)now >= last && (uint64_t)now - last < 3600) {
		fprintf(f, "%llu s ago", (unsigned long long)((uint64_t)now - last));
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	fprintf(f, "%s (stale)", buf);
}

static void show_text(const BalloonJob *j)
{
	const VirtBalloon *b = &j->b;
	char x[SIZE_STR_MAX], y[SIZE_STR_MAX];

	printf("Domain %s: balloon %s of %s maximum, <memballoon model='%s'>", j->def->name,
	       format_kib(b->current_kib, x), format_kib(b->max_kib, y), model_name(j->def->balloon));
	if (j->period_r > 0)
		printf(", statistics period set to %d s now", STATS_PERIOD_S);
	else if (j->period_r < 0)
		printf(", no statistics period (setting one failed)");
	else if (j->def->balloon_period)
		printf(", statistics every %u s", j->def->balloon_period);
	printf("\n");
#define ROW(label, v, what) printf("  %-13s %-12s %s\n", label, kib_str(v, x), what)
	ROW("actual", b->actual_kib, "the balloon's size as QEMU sees it");
	ROW("unused", b->unused_kib, "guest MemFree");
	ROW("available", b->available_kib, "guest MemTotal");
	ROW("usable", b->usable_kib, "guest MemAvailable");
	ROW("swap in", b->swap_in_kib, "since the guest booted");
	ROW("swap out", b->swap_out_kib, "");
#undef ROW
	if (b->major_faults == VIRT_BALLOON_UNKNOWN)
		printf("  %-13s %s\n", "major faults", "unknown");
	else
		printf("  %-13s %llu\n", "major faults", (unsigned long long)b->major_faults);
	printf("  %-13s ", "updated");
	print_updated(b->last_update_s, stdout);
	printf("\n  ");
	print_floor(j, stdout);
	printf("\n");
}

static void json_kib(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, v == VIRT_BALLOON_UNKNOWN ? NULL : json_object_new_int64((int64_t)v));
}

static void show_json(const BalloonJob *j)
{
	const VirtBalloon *b = &j->b;
	json_object *o = json_object_new_object();
	BalloonGuest g = guest_of(j);
	BalloonParams p;
	uint64_t floor;

	balloon_params_default(&p);
	json_object_object_add(o, "domain", json_object_new_string(j->def->name));
	json_object_object_add(o, "model", json_object_new_string(model_name(j->def->balloon)));
	json_object_object_add(o, "stats_period", json_object_new_int(j->period_r > 0 ? STATS_PERIOD_S
										       : (int)j->def->balloon_period));
	json_kib(o, "current_kib", b->current_kib);
	json_kib(o, "max_kib", b->max_kib);
	json_kib(o, "actual_kib", b->actual_kib);
	json_kib(o, "unused_kib", b->unused_kib);
	json_kib(o, "available_kib", b->available_kib);
	json_kib(o, "usable_kib", b->usable_kib);
	json_kib(o, "swap_in_kib", b->swap_in_kib);
	json_kib(o, "swap_out_kib", b->swap_out_kib);
	json_kib(o, "major_faults", b->major_faults);
	json_kib(o, "last_update", b->last_update_s);
	json_kib(o, "floor_kib", balloon_floor(&p, &g, &floor) == 0 && !balloon_guest_skip_reason(&p, &g)
					 ? floor
					 : VIRT_BALLOON_UNKNOWN);
	json_object_object_add(o, "floor_unknown_because",
			       balloon_guest_skip_reason(&p, &g)
				       ? json_object_new_string(balloon_guest_skip_reason(&p, &g))
				       : NULL);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Whether SIZE may be set; prints why not. */
static bool may_set(const BalloonJob *j, uint64_t kib)
{
	BalloonGuest g = guest_of(j);
	BalloonParams p;
	char x[SIZE_STR_MAX];
	uint64_t floor;

	balloon_params_default(&p);
	if (j->def->balloon != DOMAIN_BALLOON_VIRTIO) {
		fprintf(stderr, "kvmnetctl vm balloon: %s has no virtio balloon (<memballoon model='%s'>)\n",
			j->def->name, model_name(j->def->balloon));
		return false;
	}
	if (kib > j->b.max_kib) {
		fprintf(stderr, "kvmnetctl vm balloon: %s: %s is above its maximum memory, %s\n", j->def->name,
			format_kib(kib, x), format_kib(j->b.max_kib, (char[SIZE_STR_MAX]){}));
		return false;
	}
	if (kib >= j->b.current_kib)
		return true;
	if (balloon_guest_skip_reason(&p, &g) || balloon_floor(&p, &g, &floor) < 0 || kib < floor) {
		fprintf(stderr, "kvmnetctl vm balloon: %s: refusing %s, below the current %s: ", j->def->name,
			format_kib(kib, x), format_kib(j->b.current_kib, (char[SIZE_STR_MAX]){}));
		print_floor(j, stderr);
		fprintf(stderr, "\n");
		return false;
	}
	return true;
}

static int balloon_set(VirtJob *vj, BalloonJob *j, uint64_t kib)
{
	char x[SIZE_STR_MAX], y[SIZE_STR_MAX];
	uint64_t from = j->b.current_kib;

	if (!may_set(j, kib))
		return EXIT_FAILED;
	j->set_kib = kib;
	if (cli_virt_step("vm balloon", vj, step_set, true,
			  "whether the balloon changed is unknown (kvmnetctl vm balloon DOMAIN shows it)") < 0)
		return EXIT_FAILED;
	printf("%s: balloon %s -> %s (%llu KiB)\n", j->def->name, format_kib(from, x), format_kib(kib, y),
	       (unsigned long long)kib);
	return EXIT_OK;
}

static void balloon_help(FILE *f)
{
	fprintf(f, "Usage: kvmnetctl vm balloon DOMAIN [--json]\n"
		   "       kvmnetctl vm balloon DOMAIN SIZE\n"
		   "\n"
		   "Show a running domain's memory balloon (its size and maximum) and the\n"
		   "guest's own statistics; set the statistics period to %d s when it has none.\n"
		   "With SIZE, set the balloon (live only), never below the floor kvmnetd keeps:\n"
		   "what the guest uses plus 256 MiB, and at least half of its maximum.\n"
		   "SIZE is in KiB unless it has a suffix, as virsh setmem takes it: b, k/KiB,\n"
		   "M/MiB, G/GiB, T/TiB (powers of 1024), KB, MB, GB, TB (powers of 1000).\n",
		STATS_PERIOD_S);
}

int cmd_vm_balloon(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_virt_job_ VirtJob *vj = NULL;
	BalloonJob *j;
	bool json = false;
	uint64_t kib = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			balloon_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vm balloon", "unknown option");
		}
	if (optind + 1 != argc && optind + 2 != argc)
		return cli_usage_error("vm balloon", "expected DOMAIN [SIZE], got %d arguments", argc - optind);
	if (optind + 2 == argc && (json || parse_size_kib(argv[optind + 1], &kib) < 0 || kib == 0))
		return json ? cli_usage_error("vm balloon", "--json is for showing, not with SIZE")
			    : cli_usage_error("vm balloon", "'%s' is not a size (KiB, or with a suffix: 512M, 2G)",
					      argv[optind + 1]);
	j = calloc(1, sizeof(*j));
	if (!j) {
		fprintf(stderr, "kvmnetctl vm balloon: %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	if (cli_virt_job("vm balloon", 0, j, balloon_job_free, &vj) < 0)
		return EXIT_FAILED;
	j->name = argv[optind];
	if (cli_virt_step("vm balloon", vj, step_read, kib == 0, NULL) < 0)
		return EXIT_FAILED;
	if (!j->read) {
		fprintf(stderr, "kvmnetctl vm balloon: %s is not running: it has no balloon to show or set\n",
			j->def->name);
		return EXIT_FAILED;
	}
	if (kib)
		return balloon_set(vj, j, kib);
	if (json)
		show_json(j);
	else
		show_text(j);
	return EXIT_OK;
}
