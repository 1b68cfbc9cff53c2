/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/balloon-policy.h"

/* [balloon] of kvmnetd.conf(5): only in effect when the section is there. */
typedef struct ConfigBalloon {
	bool enabled;		/* a [balloon] section was given */
	uint64_t interval_us;	/* sampling while a guest is below its size, or always without PSI */
	unsigned stats_period_s; /* asked of managed guests whose balloon has none */
	BalloonParams params;
} ConfigBalloon;

#define CONFIG_BALLOON_KEYS "interval, stats_period, pressure, calm, min_share, margin, step, hold, avail_low, avail_high"

void config_balloon_defaults(ConfigBalloon *b);
/* One key of the section.  -ENOENT for a key that is not one of
 * CONFIG_BALLOON_KEYS; -EINVAL with what was expected in *ret_expected. */
int config_balloon_set(ConfigBalloon *b, const char *key, const char *value, const char **ret_expected);
/* Across keys (calm below pressure, avail_low below avail_high): -EINVAL
 * with a message in *ret_error (static text). */
int config_balloon_check(const ConfigBalloon *b, const char **ret_error);
