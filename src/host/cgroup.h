/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "host/tune-knob.h"

/*
 * A running VM's cgroups and the limits the source document lifts on them
 * ("通過Cgroup解除每個虛擬網卡的內存限制和輸入輸出控制的限制": through cgroups,
 * lift each VM's memory limit and IO control limit).  Only those two; CPU
 * limits (cpu.max, cpu.cfs_quota_us) are not named and not touched.
 *
 *   cgroup v2 (/sys/fs/cgroup):  memory.high, memory.max -> "max";
 *       io.max: each device line -> "rbps=max wbps=max riops=max wiops=max"
 *   cgroup v1 (/sys/fs/cgroup/memory, /sys/fs/cgroup/blkio):
 *       memory.memsw.limit_in_bytes, then memory.limit_in_bytes -> -1
 *       (the kernel refuses a memory limit above memsw's, so memsw first);
 *       blkio.throttle.{read,write}_{bps,iops}_device: each rule -> 0
 *       (which removes it)
 *
 * QEMU's pid is in /run/libvirt/qemu/NAME.pid; its cgroup is in
 * /proc/PID/cgroup, in libvirt's layout the emulator thread's below the
 * VM's own: .../machine-qemu\x2d1\x2dNAME.scope/libvirt/emulator (systemd)
 * or /machine/qemu-1-NAME.libvirt-qemu/emulator (cgroupfs).  Limits set
 * through <memtune>/<blkiotune> sit in the VM's cgroup or its libvirt/
 * child, so the VM's cgroup and every directory below it are lifted.
 */
typedef struct CgroupPaths {
	char *unified; /* the "0::" line's path; NULL when none */
	char *memory;  /* the v1 memory controller's path; NULL when none */
	char *blkio;   /* the v1 blkio controller's path; NULL when none */
} CgroupPaths;

/* /proc/PID/cgroup text.  -EBADMSG when no line is well-formed. */
int cgroup_parse_proc(const char *text, CgroupPaths *ret);
void cgroup_paths_done(CgroupPaths *p);
int cgroup_read_pid(pid_t pid, CgroupPaths *ret);

/* The VM's own cgroup in a path: up to the component that ends in
 * ".scope" and starts with "machine-", or ends in ".libvirt-qemu".
 * -ENOENT when there is none: a QEMU outside libvirt's machine cgroups
 * (cgroup_controllers = [] in qemu.conf) has no cgroup of its own, and
 * lifting the limits of whatever it shares would reach other processes. */
int cgroup_vm_root(const char *path, char **ret);

/* /run/libvirt/qemu/NAME.pid.  -ENOENT when the VM does not run. */
int qemu_pid_of_domain(const char *name, pid_t *ret);

/* Names of the domains libvirt's QEMU driver runs: the NAME.pid files of
 * /run/libvirt/qemu, sorted; an empty list (not NULL) when the directory is missing. */
int qemu_running_domains(char ***ret);

/* The lifting knobs of a VM's cgroups that are not already lifted, labelled
 * "cgroup NAME FILE".  -ENOENT when the VM has no cgroup of its own; the
 * -errno of a limit file or cgroup directory that exists but cannot be read
 * (never taken for "nothing to lift"), the knobs found before it kept. */
int cgroup_add_lift_knobs(TuneKnobs *ks, const char *name, const CgroupPaths *p);
