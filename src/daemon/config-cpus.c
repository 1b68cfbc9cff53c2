/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "basic/macro.h"
#include "daemon/config-cpus.h"

int config_cpu_list_parse(const char *value, bool allow_auto, bool *ret_auto, CpuSet *ret,
			  const char **ret_expected)
{
	CpuSet s;

	if (allow_auto && streq(value, "auto")) {
		*ret_auto = true;
		return 0;
	}
	if (cpuset_parse_list(value, &s) < 0 || cpuset_count(&s) == 0) {
		*ret_expected = allow_auto ? "auto or a non-empty CPU list like 0-1,4" : "a non-empty CPU list like 2-3,6";
		return -EINVAL;
	}
	*ret_auto = false;
	*ret = s;
	return 0;
}
