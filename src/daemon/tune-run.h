/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "daemon/context.h"
#include "model/domain-xml.h"

/*
 * kvmnetd's [tune]: the source document's host tuning, through the knobs
 * of src/host/tune-knob.h and the apply and revert of src/act/tune.c that
 * `kvmnetctl tune` uses too.  Applied when the daemon starts and again
 * after each reconcile, so that the disks and cgroups of VMs that started
 * since are tuned; each original goes into the journal (key "tune:" + the
 * knob's key, daemon/tune-journal.h) and to disk before the first write.
 * A knob the kernel refuses is logged once and left alone.
 */
typedef struct TuneRun TuneRun;

int tune_run_new(const DaemonContext *ctx, TuneRun **ret);
void tune_run_free(TuneRun *t);
/* Apply what [tune] asks for; nothing when every part is "no". */
int tune_run_apply(TuneRun *t);
/* The same with the managed running domains given, not asked of libvirt
 * (what tune_run_apply() does once it has them; for tests). */
int tune_run_apply_domains(TuneRun *t, DomainDef *const *defs, size_t n);
/* Write back every "tune:" original of the journal, newest first (a v1
 * memory limit must go back before the memsw limit above it), and forget
 * it; one whose file is gone (the VM stopped, its cgroup with it) is
 * forgotten too. */
int tune_run_revert(TuneRun *t);
