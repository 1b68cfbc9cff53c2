/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/vf-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), *err = NULL, *f = NULL;
	VfConfig c;

	if (!s)
		return 0;
	/* Whatever parses is in range and formats; whatever does not says why. */
	if (vf_policy_parse(s, &c, &err) == 0) {
		if (c.vlan > 4094 || c.qos > 7 || (c.mask & VF_ATTR_BIT(VF_ATTR_MAC)) || c.link_state > 2 ||
		    vf_policy_format(&c, &f) < 0)
			abort();
	} else if (!err)
		abort();
	free(f);
	free(err);
	free(s);
	return 0;
}
