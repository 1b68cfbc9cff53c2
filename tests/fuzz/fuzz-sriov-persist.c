/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* persist_pf_parse over arbitrary text; what parses formats and parses back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/sriov-persist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), *text = NULL, *again = NULL;
	PersistPf p, q;

	if (!s)
		return 0;
	if (persist_pf_parse(s, &p, NULL) == 0) {
		if (persist_pf_format(&p, &text) < 0 || persist_pf_parse(text, &q, NULL) < 0)
			abort();
		if (persist_pf_format(&q, &again) < 0 || strcmp(text, again) != 0)
			abort();
		persist_pf_done(&q);
		persist_pf_done(&p);
	}
	free(text);
	free(again);
	free(s);
	return 0;
}
