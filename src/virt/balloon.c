/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>

#include "balloon.h"
#include "virt-conn.h"

static void take_stat(VirtBalloon *b, const virDomainMemoryStatStruct *s)
{
	switch (s->tag) {
	case VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON:
		b->actual_kib = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_UNUSED:
		b->unused_kib = s->val, b->guest_stats = true;
		break;
	case VIR_DOMAIN_MEMORY_STAT_AVAILABLE:
		b->available_kib = s->val, b->guest_stats = true;
		break;
	case VIR_DOMAIN_MEMORY_STAT_USABLE:
		b->usable_kib = s->val, b->guest_stats = true;
		break;
	case VIR_DOMAIN_MEMORY_STAT_SWAP_IN:
		b->swap_in_kib = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_SWAP_OUT:
		b->swap_out_kib = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT:
		b->major_faults = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT:
		b->minor_faults = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_DISK_CACHES:
		b->disk_caches_kib = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_RSS:
		b->rss_kib = s->val;
		break;
	case VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE:
		/* QEMU reports 0 until the guest's driver sent something. */
		b->last_update_s = s->val ? s->val : VIRT_BALLOON_UNKNOWN;
		break;
	}
}

int virt_balloon_read(virDomainPtr d, VirtBalloon *ret, char **ret_error)
{
	virDomainMemoryStatStruct st[VIR_DOMAIN_MEMORY_STAT_NR];
	VirtBalloon b;
	virDomainInfo info;
	int n;

	if (virDomainGetInfo(d, &info) < 0)
		return virt_error_take(ret_error);
	if (info.state != VIR_DOMAIN_RUNNING && info.state != VIR_DOMAIN_PAUSED && info.state != VIR_DOMAIN_BLOCKED)
		return -ENOENT;
	b = (VirtBalloon){ .current_kib = info.memory, .max_kib = info.maxMem };
	b.actual_kib = b.unused_kib = b.available_kib = b.usable_kib = VIRT_BALLOON_UNKNOWN;
	b.swap_in_kib = b.swap_out_kib = b.major_faults = b.minor_faults = VIRT_BALLOON_UNKNOWN;
	b.disk_caches_kib = b.rss_kib = b.last_update_s = VIRT_BALLOON_UNKNOWN;
	n = virDomainMemoryStats(d, st, VIR_DOMAIN_MEMORY_STAT_NR, 0);
	if (n < 0)
		return virt_error_take(ret_error);
	for (int i = 0; i < n; i++)
		take_stat(&b, &st[i]);
	*ret = b;
	return 0;
}

int virt_balloon_set_period(virDomainPtr d, int period_s, char **ret_error)
{
	if (virDomainSetMemoryStatsPeriod(d, period_s, VIR_DOMAIN_AFFECT_LIVE) < 0)
		return virt_error_take(ret_error);
	return 0;
}

int virt_balloon_set(virDomainPtr d, uint64_t kib, char **ret_error)
{
	if (kib == 0 || kib > ULONG_MAX)
		return -ERANGE;
	if (virDomainSetMemoryFlags(d, (unsigned long)kib, VIR_DOMAIN_AFFECT_LIVE) < 0)
		return virt_error_take(ret_error);
	return 0;
}
