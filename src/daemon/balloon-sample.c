/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One sample of kvmnetd's balloon: observe, decide, set; and the revert. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "basic/deadline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/size-util.h"
#include "basic/strv.h"
#include "daemon/balloon-loop-internal.h"
#include "daemon/metrics-collect.h"
#include "host/meminfo.h"
#include "host/psi.h"
#include "virt/balloon.h"
#include "virt/domains.h"
#include "virt/metadata.h"

/* The running domains of one sample, parallel arrays. */
typedef struct Sample {
	BalloonHost host;
	DomainList *doms;
	BalloonGuest *g;
	virDomainPtr *dom; /* NULL where the lookup failed */
	size_t n;
	bool has_original; /* any guest below its journaled original */
} Sample;

static void sample_done(Sample *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->dom[i])
			virDomainFree(s->dom[i]);
	free(s->dom);
	free(s->g);
	domain_list_free(s->doms);
}

static void host_sample(BalloonHost *h)
{
	MemInfo m;
	Psi p;

	*h = (BalloonHost){ .now_us = now_monotonic_us(), .some_avg10 = NAN, .full_avg10 = NAN };
	if (psi_read_memory(&p) >= 0) {
		h->has_psi = true;
		h->some_avg10 = p.some.avg10;
		h->full_avg10 = p.full.present ? p.full.avg10 : 0;
	}
	if (meminfo_read(&m) >= 0) {
		h->mem_total_kib = m.total_kib;
		h->mem_available_kib = m.available_kib;
	}
}

static uint64_t original_of(const BalloonLoop *l, const char *uuid)
{
	char key[64];
	const char *v;
	uint64_t kib;

	snprintf(key, sizeof(key), KEY_PREFIX "%s", uuid);
	v = journal_get_original(l->ctx->journal, key);
	return v && parse_u64(v, &kib) >= 0 ? kib : BALLOON_UNKNOWN;
}

/* QEMU asks the guest for statistics only with a period: set one once. */
static void ensure_period(BalloonLoop *l, const DomainDef *def, virDomainPtr dom)
{
	unsigned period = l->ctx->config->balloon.stats_period_s;
	int r;

	if (def->balloon != DOMAIN_BALLOON_VIRTIO || def->balloon_period || strv_contains(l->period_set, def->name))
		return;
	(void)strv_extend(&l->period_set, def->name);
	if (l->ctx->dry_run) {
		log_info("balloon: would set %s's statistics period to %u s", def->name, period);
		return;
	}
	r = virt_balloon_set_period(dom, (int)period, NULL);
	if (r < 0)
		log_warning_errno(r, "balloon: setting %s's statistics period to %u s: %m", def->name, period);
	else
		log_info("balloon: %s's statistics period set to %u s", def->name, period);
}

static BalloonTarget *target_of(BalloonLoop *l, const char *name)
{
	for (size_t i = 0; i < l->n_targets; i++)
		if (streq(l->targets[i].name, name))
			return &l->targets[i];
	return NULL;
}

static void remember_target(BalloonLoop *l, const char *name, uint64_t kib)
{
	BalloonTarget *t = target_of(l, name);

	if (!t) {
		t = reallocarray(l->targets, l->n_targets + 1, sizeof(*t));
		if (!t)
			return;
		l->targets = t;
		t = &l->targets[l->n_targets];
		*t = (BalloonTarget){ .name = strdup(name) };
		if (!t->name)
			return;
		l->n_targets++;
	}
	t->kib = kib;
	t->at_us = now_monotonic_us();
}

/* The size to decide from: the target last set while the balloon is still
 * on its way there, else what QEMU reports. */
static uint64_t size_of(BalloonLoop *l, const char *name, uint64_t actual)
{
	const BalloonTarget *t = target_of(l, name);

	if (!t || now_monotonic_us() - t->at_us > TARGET_FRESH_US || t->kib == actual)
		return actual;
	return t->kib;
}

static void guest_sample(BalloonLoop *l, const DomainDef *def, virDomainPtr dom, BalloonGuest *g)
{
	VirtBalloon b;
	bool managed = false;
	time_t now = time(NULL);

	*g = (BalloonGuest){ .name = def->name, .current_kib = BALLOON_UNKNOWN, .stats_age_us = BALLOON_UNKNOWN };
	/* Metadata that cannot be read: leave the guest alone this round. */
	g->opted_out = virt_domain_managed(l->ctx->watch ? watch_conn(l->ctx->watch) : NULL, def->uuid, &managed) < 0 ||
		       !managed;
	if (!dom || virt_balloon_read(dom, &b, NULL) < 0)
		return;
	if (!g->opted_out)
		ensure_period(l, def, dom);
	g->current_kib = size_of(l, def->name, b.current_kib);
	g->actual_kib = b.current_kib;
	g->max_kib = b.max_kib;
	g->original_kib = original_of(l, def->uuid);
	g->unused_kib = b.unused_kib;
	g->available_kib = b.available_kib;
	g->usable_kib = b.usable_kib;
	g->swap_in_kib = b.swap_in_kib;
	g->swap_out_kib = b.swap_out_kib;
	g->major_faults = b.major_faults;
	/* The stamp is in whole seconds: a second more is the most they can
	 * be old, so that statistics from before a change never count as
	 * taken after it. */
	if (b.last_update_s != VIRT_BALLOON_UNKNOWN && (uint64_t)now >= b.last_update_s)
		g->stats_age_us = ((uint64_t)now - b.last_update_s + 1) * 1000000;
	g->has_driver = def->balloon == DOMAIN_BALLOON_VIRTIO && b.guest_stats &&
			b.last_update_s != VIRT_BALLOON_UNKNOWN;
}

static int sample_guests(BalloonLoop *l, virConnectPtr conn, Sample *s)
{
	_cleanup_free_ char *err = NULL;
	int r;

	host_sample(&s->host);
	r = virt_domains_running(conn, &s->doms, &err);
	if (r < 0)
		return log_warning_errno(r, "balloon: listing running domains: %s", err ? err : "failed");
	s->g = calloc(s->doms->n + 1, sizeof(*s->g));
	s->dom = calloc(s->doms->n + 1, sizeof(*s->dom));
	if (!s->g || !s->dom)
		return -ENOMEM;
	for (size_t i = 0; i < s->doms->n; i++) {
		const DomainDef *def = s->doms->defs[i];

		if (!def->uuid)
			continue;
		s->dom[s->n] = virDomainLookupByUUIDString(conn, def->uuid);
		if (!s->dom[s->n])
			virResetLastError();
		guest_sample(l, def, s->dom[s->n], &s->g[s->n]);
		s->n++;
	}
	return 0;
}

static const char *uuid_of(const Sample *s, size_t i)
{
	/* g[i] and doms->defs were filled in step, skipping UUID-less ones. */
	for (size_t k = 0, n = 0; k < s->doms->n; k++)
		if (s->doms->defs[k]->uuid && n++ == i)
			return s->doms->defs[k]->uuid;
	return NULL;
}

/* The original goes into the journal, on disk, before the first change. */
static int save_original(BalloonLoop *l, const char *uuid, uint64_t kib)
{
	char key[64], value[32];
	int r;

	snprintf(key, sizeof(key), KEY_PREFIX "%s", uuid);
	if (journal_get_original(l->ctx->journal, key))
		return 0;
	snprintf(value, sizeof(value), "%" PRIu64, kib);
	r = journal_record_original(l->ctx->journal, key, value);
	if (r < 0)
		return r;
	return journal_save(l->ctx->journal, l->ctx->config->state_dir);
}

static void log_change(BalloonLoop *l, const Sample *s, const BalloonChange *c)
{
	char from[SIZE_STR_MAX], to[SIZE_STR_MAX], use[SIZE_STR_MAX], fl[SIZE_STR_MAX], av[SIZE_STR_MAX],
		tot[SIZE_STR_MAX], host[128];

	if (s->host.has_psi)
		snprintf(host, sizeof(host), "PSI some %.2f%% full %.2f%%", s->host.some_avg10, s->host.full_avg10);
	else
		snprintf(host, sizeof(host), "MemAvailable %s of %s", format_kib(s->host.mem_available_kib, av),
			 format_kib(s->host.mem_total_kib, tot));
	log_info("balloon: %s%s %s -> %s (%s; host %s; guest usable %s, floor %s)", l->ctx->dry_run ? "would set " : "",
		 s->g[c->guest].name, format_kib(c->from_kib, from), format_kib(c->to_kib, to),
		 balloon_reason_to_string(c->reason), host, format_kib(c->usable_kib, use), format_kib(c->floor_kib, fl));
}

static void apply_change(BalloonLoop *l, const Sample *s, const BalloonChange *c)
{
	const char *uuid = uuid_of(s, c->guest);
	int r;

	log_change(l, s, c);
	if (l->ctx->dry_run || !uuid)
		return;
	r = save_original(l, uuid, c->from_kib);
	if (r < 0) {
		log_error_errno(r, "balloon: saving %s's original size in %s: %m; not changed", s->g[c->guest].name,
				l->ctx->config->state_dir);
		return;
	}
	r = virt_balloon_set(s->dom[c->guest], c->to_kib, NULL);
	if (r >= 0)
		remember_target(l, s->g[c->guest].name, c->to_kib);
	if (r < 0)
		log_error_errno(r, "balloon: setting %s to %" PRIu64 " KiB: %m", s->g[c->guest].name, c->to_kib);
	else
		l->changes++;
}

/* Journal entries of domains that no longer run: their next start takes
 * the size of the definition, so the original is moot. */
static void forget_gone(BalloonLoop *l, const Sample *s)
{
	Journal *j = l->ctx->journal;
	bool changed = false;

	for (size_t i = 0; i < j->n_originals;) {
		const char *key = j->originals[i].key, *uuid = key + strlen(KEY_PREFIX);
		bool running = false;

		if (!strneq(key, KEY_PREFIX, strlen(KEY_PREFIX))) {
			i++;
			continue;
		}
		for (size_t k = 0; k < s->doms->n && !running; k++)
			running = s->doms->defs[k]->uuid && streq(s->doms->defs[k]->uuid, uuid);
		if (running) {
			i++;
			continue;
		}
		log_info("balloon: domain %s no longer runs; its original size is forgotten", uuid);
		journal_forget_original(j, key);
		changed = true;
	}
	if (changed && journal_save(j, l->ctx->config->state_dir) < 0)
		log_warning("balloon: saving the journal in %s failed", l->ctx->config->state_dir);
}

static json_object *kib_json(uint64_t v)
{
	return v == BALLOON_UNKNOWN ? NULL : json_object_new_int64((int64_t)v);
}

/* A guest left alone is logged once per reason, and named in status. */
static const char *skip_reason(BalloonLoop *l, const BalloonGuest *g)
{
	const BalloonParams *p = &l->ctx->config->balloon.params;
	const char *why = balloon_guest_skip_reason(p, g);
	char line[300];

	if (!why || streq(why, "opted out"))
		return why;
	if (streq(why, "no balloon driver"))
		why = "no balloon driver: its statistics never arrived";
	snprintf(line, sizeof(line), "%s: %s", g->name, why);
	if (!strv_contains(l->skip_logged, line)) {
		log_notice("balloon: leaving %s alone (%s)", g->name, why);
		(void)strv_extend(&l->skip_logged, line);
	}
	return why;
}

static json_object *status_json(BalloonLoop *l, const Sample *s)
{
	json_object *o = json_object_new_object(), *h = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(h, "psi", json_object_new_boolean(s->host.has_psi));
	json_object_object_add(h, "trigger", json_object_new_boolean(l->psi_fd >= 0 && !atomic_load(&l->trigger_lost)));
	json_object_object_add(h, "some_avg10", s->host.has_psi ? json_object_new_double(s->host.some_avg10) : NULL);
	json_object_object_add(h, "full_avg10", s->host.has_psi ? json_object_new_double(s->host.full_avg10) : NULL);
	json_object_object_add(h, "mem_available_kib", s->host.mem_total_kib ? kib_json(s->host.mem_available_kib) : NULL);
	json_object_object_add(h, "pressure", json_object_new_boolean(balloon_policy_host_pressure(l->state)));
	json_object_object_add(o, "host", h);
	for (size_t i = 0; i < s->n; i++) {
		const BalloonGuest *g = &s->g[i];
		json_object *v = json_object_new_object();
		const char *why = skip_reason(l, g);

		json_object_object_add(v, "name", json_object_new_string(g->name));
		json_object_object_add(v, "current_kib", kib_json(g->current_kib));
		json_object_object_add(v, "max_kib", g->current_kib == BALLOON_UNKNOWN ? NULL : kib_json(g->max_kib));
		json_object_object_add(v, "original_kib", g->current_kib == BALLOON_UNKNOWN ? NULL : kib_json(g->original_kib));
		json_object_object_add(v, "usable_kib", kib_json(g->usable_kib));
		json_object_object_add(v, "left_alone", why ? json_object_new_string(why) : NULL);
		json_object_array_add(a, v);
	}
	json_object_object_add(o, "guests", a);
	json_object_object_add(o, "changes", json_object_new_int64((int64_t)l->changes));
	return o;
}

/* Publish when something a reader of status would see changed. */
static void set_status(BalloonLoop *l, json_object *o)
{
	bool same = l->status && json_object_equal(l->status, o);

	json_object_put(l->status);
	l->status = o;
	if (!same) {
		/* The metrics take it with the turn this asks for. */
		metrics_balloon(l->ctx->metrics, o);
		daemon_ctx_schedule(l->ctx);
	}
}

static bool below_original(const Sample *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->g[i].original_kib != BALLOON_UNKNOWN && s->g[i].current_kib < s->g[i].original_kib)
			return true;
	return false;
}

int balloon_loop_sample(BalloonLoop *l)
{
	virConnectPtr conn = l->ctx->watch ? watch_conn(l->ctx->watch) : NULL;
	_cleanup_free_ BalloonChange *c = NULL;
	Sample s = {};
	size_t n = 0;
	int r;

	if (!l->running)
		return 0;
	if (!conn) {
		log_debug("balloon: libvirt not connected; sampling later");
		balloon_loop_arm(l, true);
		return -ENOTCONN;
	}
	r = sample_guests(l, conn, &s);
	if (r >= 0)
		r = balloon_policy_decide(l->state, &l->ctx->config->balloon.params, &s.host, s.g, s.n, &c, &n);
	if (r >= 0) {
		for (size_t i = 0; i < n; i++) {
			apply_change(l, &s, &c[i]);
			s.g[c[i].guest].current_kib = c[i].to_kib;
			if (s.g[c[i].guest].original_kib == BALLOON_UNKNOWN)
				s.g[c[i].guest].original_kib = c[i].from_kib;
		}
		forget_gone(l, &s);
		set_status(l, status_json(l, &s));
	}
	balloon_loop_arm(l, r < 0 || below_original(&s) || balloon_policy_host_pressure(l->state) ||
				    (l->triggered_us && now_monotonic_us() - l->triggered_us < AFTER_TRIGGER_US));
	sample_done(&s);
	if (r == -ENOMEM)
		log_error_errno(r, "balloon: %m");
	return r < 0 ? r : 0;
}

static int revert_one(virConnectPtr conn, const char *uuid, const char *value)
{
	virDomainPtr dom = conn ? virDomainLookupByUUIDString(conn, uuid) : NULL;
	uint64_t kib;
	int r;

	if (!dom) {
		virResetLastError();
		log_info("balloon: domain %s is gone; its original size %s KiB forgotten", uuid, value);
		return 0;
	}
	r = parse_u64(value, &kib);
	if (r >= 0 && virDomainIsActive(dom) == 1)
		r = virt_balloon_set(dom, kib, NULL);
	virDomainFree(dom);
	if (r < 0)
		return log_error_errno(r, "balloon: giving domain %s back its %s KiB: %m; kept in the journal", uuid,
				       value);
	log_info("balloon: domain %s given back its original %s KiB", uuid, value);
	return 0;
}

int balloon_loop_revert(BalloonLoop *l)
{
	virConnectPtr conn = l->ctx->watch ? watch_conn(l->ctx->watch) : NULL;
	Journal *j = l->ctx->journal;
	int ret = 0, r;

	for (size_t i = 0; i < j->n_originals;) {
		_cleanup_free_ char *key = strdup(j->originals[i].key), *value = strdup(j->originals[i].value);

		if (!key || !value)
			return -ENOMEM;
		if (!strneq(key, KEY_PREFIX, strlen(KEY_PREFIX))) {
			i++;
			continue;
		}
		if (!conn || revert_one(conn, key + strlen(KEY_PREFIX), value) < 0) {
			ret = -EIO;
			i++;
			continue;
		}
		journal_forget_original(j, key);
	}
	if (ret < 0 && !conn)
		log_error("balloon: libvirt not connected; original sizes kept in the journal");
	r = journal_save(j, l->ctx->config->state_dir);
	if (r < 0)
		return log_error_errno(r, "Saving the journal in %s: %m", l->ctx->config->state_dir);
	return ret;
}
