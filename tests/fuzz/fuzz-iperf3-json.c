/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "measure/iperf3-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int udp = 0; udp < 2; udp++) {
		double bps = 0, lost = 0;
		char *err = NULL;
		int r = iperf3_json_parse((const char *)data, size, udp, &bps, &lost, &err);

		/* A result is a rate and a loss that make sense; a failure says why. */
		if (r == 0 && (!isfinite(bps) || bps < 0 || lost < 0 || lost > 100 || err))
			abort();
		free(err);
	}
	return 0;
}
