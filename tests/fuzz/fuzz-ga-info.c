/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdint.h>

#include "model/guest-agent-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool enabled;

	ga_parse_info_command((const char *)data, size, "guest-exec", &enabled);
	return 0;
}
