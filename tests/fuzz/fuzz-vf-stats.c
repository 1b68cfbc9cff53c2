/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnl_vf_stats_parse over arbitrary bytes: an RTM_NEWLINK reply with
 * IFLA_VF_STATS per VF. */
#include <stdint.h>
#include <stdlib.h>

#include "host/rtnl-vf-stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VfStats *s = NULL;
	size_t n = 0;

	if (rtnl_vf_stats_parse(data, size, &s, &n) == 0) {
		/* Sorted, and no counter claimed that was not sent. */
		for (size_t i = 0; i < n; i++) {
			if (i > 0 && s[i - 1].index > s[i].index)
				abort();
			if (s[i].mask >> _VF_STAT_MAX)
				abort();
		}
		free(s);
	}
	return 0;
}
