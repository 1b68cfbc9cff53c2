/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnl_vf_parse over arbitrary bytes: an RTM_NEWLINK reply with VFs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/rtnl-vf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VfConfig *vfs = NULL;
	size_t n = 0;

	if (rtnl_vf_parse(data, size, &vfs, &n) == 0) {
		/* Sorted, as promised, and every VLAN/QoS in range. */
		for (size_t i = 0; i < n; i++) {
			if (i > 0 && vfs[i - 1].index > vfs[i].index)
				abort();
			if (vfs[i].vlan > 4095 || vfs[i].qos > 7)
				abort();
		}
		free(vfs);
	}
	return 0;
}
