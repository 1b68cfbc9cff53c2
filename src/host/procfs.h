/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "model/proc-interrupts.h"
#include "model/proc-stat.h"

/*
 * /proc/interrupts and /proc/stat under $KVMNET_SYSROOT, read whole and
 * handed to their parsers in src/model.  The size limits are far above
 * what a real host prints (a few MiB on thousands of CPUs) and only stop
 * a runaway file in a fake tree.
 */
int proc_interrupts_read(ProcInterrupts **ret);
int proc_stat_read(ProcStat **ret);
