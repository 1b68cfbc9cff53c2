/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/size-util.h"
#include "daemon/config-balloon.h"

#define INTERVAL_MIN_US 1000000ULL
#define INTERVAL_MAX_US (3600ULL * 1000000ULL)
#define HOLD_MAX_US (24ULL * 3600ULL * 1000000ULL)
#define STATS_PERIOD_MAX 3600U

void config_balloon_defaults(ConfigBalloon *b)
{
	*b = (ConfigBalloon){ .interval_us = 5 * 1000000ULL, .stats_period_s = 5 };
	balloon_params_default(&b->params);
}

/* A whole percentage in [lo, hi], as a share (0.5 for 50). */
static int parse_percent_share(const char *value, unsigned lo, unsigned hi, double *ret)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0 || v < lo || v > hi)
		return -EINVAL;
	*ret = v / 100.0;
	return 0;
}

static int parse_percent(const char *value, double *ret)
{
	int r = parse_percent_share(value, 0, 100, ret);

	if (r >= 0)
		*ret *= 100;
	return r;
}

static int set_duration(const char *value, uint64_t lo, uint64_t hi, uint64_t *ret)
{
	uint64_t us;

	if (parse_duration_us(value, &us) < 0 || us < lo || us > hi)
		return -EINVAL;
	*ret = us;
	return 0;
}

static int set_stats_period(const char *value, unsigned *ret)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0 || v == 0 || v > STATS_PERIOD_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int set_margin(const char *value, uint64_t *ret)
{
	uint64_t kib;

	/* Past 1 TiB the floor is the maximum of any guest: a typo. */
	if (parse_size_kib(value, &kib) < 0 || kib > (1ULL << 30))
		return -EINVAL;
	*ret = kib;
	return 0;
}

int config_balloon_set(ConfigBalloon *b, const char *key, const char *value, const char **ret_expected)
{
	BalloonParams *p = &b->params;
	const char *want;
	int r;

	if (streq(key, "interval"))
		want = "a duration with a unit from 1s to 1h (5s, 10s)",
		r = set_duration(value, INTERVAL_MIN_US, INTERVAL_MAX_US, &b->interval_us);
	else if (streq(key, "stats_period"))
		want = "seconds, 1 to 3600", r = set_stats_period(value, &b->stats_period_s);
	else if (streq(key, "pressure"))
		want = "a percentage (0-100) of PSI some avg10", r = parse_percent(value, &p->psi_some_high);
	else if (streq(key, "calm"))
		want = "a percentage (0-100) of PSI some avg10", r = parse_percent(value, &p->psi_some_low);
	else if (streq(key, "min_share"))
		want = "a percentage (0-100) of the guest's maximum", r = parse_percent_share(value, 0, 100, &p->min_share);
	else if (streq(key, "margin"))
		want = "a size up to 1T (KiB, or 256M, 1G)", r = set_margin(value, &p->margin_kib);
	else if (streq(key, "step"))
		want = "a percentage (1-100) of the guest's maximum", r = parse_percent_share(value, 1, 100, &p->step_share);
	else if (streq(key, "hold"))
		want = "a duration with a unit up to 24h (60s, 5m)", r = set_duration(value, 0, HOLD_MAX_US, &p->hold_us);
	else if (streq(key, "avail_low"))
		want = "a percentage (0-99) of MemTotal", r = parse_percent_share(value, 0, 99, &p->avail_low);
	else if (streq(key, "avail_high"))
		want = "a percentage (0-99) of MemTotal", r = parse_percent_share(value, 0, 99, &p->avail_high);
	else
		return -ENOENT;
	if (r < 0 && ret_expected)
		*ret_expected = want;
	return r < 0 ? -EINVAL : 0;
}

int config_balloon_check(const ConfigBalloon *b, const char **ret_error)
{
	const char *field = NULL;

	if (balloon_params_check(&b->params, &field) >= 0)
		return 0;
	*ret_error = streq(field, "psi_some") ? "[balloon] calm: expected below pressure"
		     : streq(field, "avail")  ? "[balloon] avail_low: expected below avail_high"
					      : "[balloon]: inconsistent values";
	return -EINVAL;
}
