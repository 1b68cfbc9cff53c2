/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/*
 * A running domain's memory balloon through libvirt: its size and maximum
 * (virDomainGetInfo) and the guest's own statistics (virDomainMemoryStats,
 * which the virtio-balloon driver in the guest sends every stats period).
 * Sizes are KiB as libvirt gives them.
 */
#define VIRT_BALLOON_UNKNOWN UINT64_MAX

typedef struct VirtBalloon {
	uint64_t current_kib, max_kib; /* virDomainGetInfo: memory, maxMem */
	/* virDomainMemoryStats; VIRT_BALLOON_UNKNOWN for what did not come */
	uint64_t actual_kib;	/* the balloon's size, as QEMU sees it */
	uint64_t unused_kib;	/* guest MemFree */
	uint64_t available_kib; /* guest MemTotal */
	uint64_t usable_kib;	/* guest MemAvailable */
	uint64_t swap_in_kib, swap_out_kib;
	uint64_t major_faults, minor_faults;
	uint64_t disk_caches_kib;
	uint64_t rss_kib;	 /* the QEMU process on the host */
	uint64_t last_update_s;	 /* when the guest last sent them, Unix time */
	bool guest_stats;	 /* the guest sent any (available or usable or unused) */
} VirtBalloon;

/* Everything above, for a running domain.  -ENOENT when it is not running
 * (nothing to balloon); libvirt's failures as virt_error_take() makes them,
 * with its message in *ret_error. */
int virt_balloon_read(virDomainPtr d, VirtBalloon *ret, char **ret_error);
/* The guest's statistics period (VIR_DOMAIN_AFFECT_LIVE): QEMU asks the
 * guest every period_s seconds; 0 stops it. */
int virt_balloon_set_period(virDomainPtr d, int period_s, char **ret_error);
/* Ask the guest to make its balloon such that it has kib (live only: the
 * persistent definition keeps its size, so a restart undoes this). */
int virt_balloon_set(virDomainPtr d, uint64_t kib, char **ret_error);
