/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <json-c/json.h>

#include "basic/cpuset.h"

#include "daemon/context.h"

/*
 * Where kvmnetd's own threads run ([daemon] cpus in kvmnetd.conf(5)).
 *
 * The allowed set is [daemon] cpus, or by default the host's housekeeping
 * CPUs (monitor_cpus_choose() in src/core/monitor-cpu.h); it is computed
 * at start, on a reload and at every turn, with the pinned vCPUs of the
 * turn's observation (no libvirt call of its own), and every thread of
 * kvmnetd is pinned to it.
 *
 * Only when [daemon] cpus is set (a list or "auto") does kvmnetd sample
 * /proc/stat, on a libvirt event-loop timer every [irq] interval: then it
 * runs on one CPU of the set and moves all its threads to the least busy
 * allowed one when its CPU stays busy (monitor_cpu_decide(), the rule and
 * parameters of the IRQ placement).  Without the key there is no timer:
 * an idle kvmnetd stays idle.  A move asks for a turn, so that `kvmnetctl status` shows it.
 * kvmnetd's own affinity is not the host's: a dry run sets it too.
 */
typedef struct MonitorLoop MonitorLoop;

/* Computes the set and pins every thread (failures are logged: kvmnetd
 * runs on where it is); the timer is armed when [daemon] cpus is set. */
int monitor_loop_new(const DaemonContext *ctx, MonitorLoop **ret);
void monitor_loop_free(MonitorLoop *l);
/* After a reload: the set again, the timer armed or disarmed. */
void monitor_loop_reconfigure(MonitorLoop *l);
/* In a turn, after the observation: the set again with the CPUs running
 * VMs' vCPUs are pinned to (partial: some domain was not read, the CPUs
 * known pinned before stay so); re-pinned only when the set changed.
 * l may be NULL. */
void monitor_loop_refresh(MonitorLoop *l, const CpuSet *vcpu_pinned, bool partial);
/* One sample; what the timer calls.  The first one only takes the
 * baseline. */
int monitor_loop_sample(MonitorLoop *l);
/* The "cpus" member of the status view (kvmnetctl(8)); a new object. */
json_object *monitor_loop_status(const MonitorLoop *l);
