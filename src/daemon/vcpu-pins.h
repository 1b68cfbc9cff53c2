/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "basic/cpuset.h"
#include "daemon/context.h"

/* Every CPU some <vcpupin> of the running domains allows (their live XML,
 * so a `virsh vcpupin --live` counts): the CPUs VMs' vCPUs are pinned to.
 * -ENOTCONN without a libvirt connection, -EIO when the listing failed
 * (libvirt's message in *ret_error, malloc'd, may be NULL): unknown, and
 * *ret is not written. */
int daemon_vcpu_pinned_cpus(const DaemonContext *ctx, CpuSet *ret, char **ret_error);
