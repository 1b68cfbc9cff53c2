/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one check of a path kvmnet reads back from its own state (the tune
 * state file, the daemon's journal) before it writes a saved original
 * there: a crafted state file must not turn `tune revert` or
 * `on_stop = revert` into "write this value anywhere as root".
 *
 * key is a path, or "PATH MAJ:MIN" for one device's line of a cgroup
 * throttle file.  It is accepted only when canonical (path_is_canonical)
 * and one of the files kvmnet itself writes:
 *   the scheduler knobs of src/host/sched.c (every flavor)
 *   /sys/block/DEV/queue/scheduler
 *   below /sys/fs/cgroup: memory.high, memory.max, io.max (with a device);
 *     below /sys/fs/cgroup/memory: memory.limit_in_bytes,
 *     memory.memsw.limit_in_bytes; below /sys/fs/cgroup/blkio:
 *     blkio.throttle.{read,write}_{bps,iops}_device (with a device)
 *   /proc/irq/N/smp_affinity_list
 *   /sys/bus/pci/devices/ADDR/{sriov_numvfs,sriov_drivers_autoprobe,driver_override}
 * and when, resolved below $KVMNET_SYSROOT, it stays in its tree (/proc,
 * /sys, /sys/fs/cgroup, /sys/kernel/debug) under its own name.
 *
 * 0 when it may be written; -EINVAL (not a kvmnet knob), -EXDEV (resolves
 * elsewhere) with a sentence in *ret_why; -ENOENT when it is gone (the
 * caller forgets it); another -errno from resolving it.
 */
int knob_path_check(const char *key, const char **ret_why);
