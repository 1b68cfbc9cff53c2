/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "daemon/context.h"

/*
 * kvmnetd's memory balloon ([balloon] in kvmnetd.conf(5)).  Nothing runs
 * unless the config has a [balloon] section.  Then it wakes when the
 * kernel's PSI trigger on /proc/pressure/memory fires ("some" stall of
 * [balloon] pressure percent of a 1 s window; 2 s windows where the
 * kernel wants them), and on a timer only for 30 s after a trigger, while
 * a guest is below its original size or the host is under pressure, or
 * always where there is no PSI trigger to wait for.  Each sample reads the host's pressure and the
 * managed guests' balloon statistics, asks balloon_policy_decide()
 * (src/core) and sets the balloons, each guest's original size saved in
 * the journal (key "balloon/UUID") before its first change.  A guest
 * whose statistics never arrive is left alone and named in status.
 */
typedef struct BalloonLoop BalloonLoop;

int balloon_loop_new(const DaemonContext *ctx, BalloonLoop **ret);
void balloon_loop_free(BalloonLoop *l);
/* After a reload: start or stop, at the new settings. */
void balloon_loop_reconfigure(BalloonLoop *l);
/* One sample now; what the trigger and the timer call. */
int balloon_loop_sample(BalloonLoop *l);
/* Every guest the journal holds an original size of gets it back
 * (on_stop = revert); from the journal alone.  l may be stopped. */
int balloon_loop_revert(BalloonLoop *l);
/* The "balloon" object of kvmnetd's status (a new reference), NULL when
 * [balloon] is off. */
json_object *balloon_loop_status(const BalloonLoop *l);
