/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/bench-endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), *err = NULL;
	BenchEndpoint e, again;

	if (!s)
		return 0;
	if (bench_endpoint_parse(s, &e, &err) == 0) {
		/* What parses keeps its spec, and parses the same again. */
		if (strcmp(e.spec, s) != 0 || bench_endpoint_parse(e.spec, &again, NULL) < 0 || again.kind != e.kind ||
		    (e.domain && strcmp(e.domain, again.domain) != 0) || strcmp(e.addr, again.addr) != 0)
			abort();
		bench_endpoint_done(&again);
		bench_endpoint_done(&e);
	} else if (!err)
		abort();
	free(err);
	free(s);
	return 0;
}
