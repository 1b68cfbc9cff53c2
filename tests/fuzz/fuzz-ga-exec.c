/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>

#include "core/guest-agent-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t pid = 0;

	/* A pid is only ever what the schema allows. */
	if (ga_parse_exec((const char *)data, size, &pid) == 0 && (pid < 1 || pid > INT32_MAX))
		abort();
	return 0;
}
