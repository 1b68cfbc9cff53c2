/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/sched.h"

/*
 * One value of the source document's host tuning, where this host keeps
 * it, as `kvmnetctl tune` and kvmnetd's [tune] both change and give back:
 *   SCHED     a scheduler knob holding a number (src/host/sched.h)
 *   QUEUE     /sys/block/DEV/queue/scheduler: the value is the name in use
 *   PLAIN     a file holding one value (cgroup memory.max, memory.high)
 *   V1_LIMIT  a cgroup v1 memory.limit_in_bytes: -1 is written, and the
 *             kernel shows "no limit" as a page-rounded huge number
 *   DEVLINE   one device's line of a file keyed by "MAJ:MIN" (cgroup v2
 *             io.max, v1 blkio.throttle.*_device): the value is what
 *             follows "MAJ:MIN ", and a write is "MAJ:MIN VALUE"
 * key is what the original is saved under: the path, or for DEVLINE
 * "PATH MAJ:MIN" (a file holds one line per device).
 */
typedef enum TuneKnobKind {
	TUNE_KNOB_SCHED,
	TUNE_KNOB_QUEUE,
	TUNE_KNOB_PLAIN,
	TUNE_KNOB_V1_LIMIT,
	TUNE_KNOB_DEVLINE,
} TuneKnobKind;

typedef struct TuneKnob {
	char *label; /* "sched min_granularity", "disk vda", "cgroup vm1 memory.max" */
	char *path;  /* host path, below $KVMNET_SYSROOT */
	char *key;   /* path, or "path MAJ:MIN" */
	char *want;  /* the value apply writes */
	TuneKnobKind kind;
} TuneKnob;

typedef struct TuneKnobs {
	TuneKnob *k;
	size_t n;
} TuneKnobs;

void tune_knobs_done(TuneKnobs *ks);
/* device: "MAJ:MIN" for DEVLINE, else NULL. */
int tune_knobs_add(TuneKnobs *ks, TuneKnobKind kind, const char *label, const char *path, const char *device,
		   const char *want);
const TuneKnob *tune_knobs_find(const TuneKnobs *ks, const char *key);

/* The scheduler knobs of this kernel with the source's values; flavor in
 * *ret_flavor.  -ENOENT when none is found (debugfs not mounted?). */
int tune_knobs_add_sched(TuneKnobs *ks, SchedFlavor *ret_flavor);
/* The deadline scheduler on dev (a /sys/block name).  The kernel's -errno
 * when its scheduler file cannot be read, -EOPNOTSUPP when it offers
 * neither mq-deadline nor deadline. */
int tune_knobs_add_disk(TuneKnobs *ks, const char *dev);

/* The value now, as it is saved and compared: the number, the scheduler
 * in use, the file's first line, or a device line's value (-ENOENT when
 * the file has no line for the device). */
int tune_knob_read(const TuneKnob *k, char **ret);
/* Whether now already is what apply wants. */
bool tune_knob_satisfied(const TuneKnob *k, const char *now);
/* Write value (want, or an original) the way the file takes it. */
int tune_knob_write(const TuneKnob *k, const char *value);
/* A knob rebuilt from its saved key, to write an original back: the kind
 * follows from the path.  For the state file and the journal, so the key
 * is checked by knob_path_check() first (its errors, and its sentence in
 * *ret_why for -EINVAL and -EXDEV). */
int tune_knob_from_key(const char *key, TuneKnob *ret, const char **ret_why);
void tune_knob_done(TuneKnob *k);
