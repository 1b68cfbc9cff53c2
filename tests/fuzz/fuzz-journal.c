/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A journal that parses must write back to text that parses to the same
 * text: nothing read is lost or invented. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *out = NULL, *out2 = NULL, *err = NULL;
	Journal *j = NULL, *j2 = NULL;

	if (!text)
		return 0;
	if (journal_from_json(text, &j, &err) == 0) {
		if (journal_to_json(j, &out) < 0 || journal_from_json(out, &j2, NULL) < 0 ||
		    journal_to_json(j2, &out2) < 0 || strcmp(out, out2) != 0)
			abort();
	}
	journal_free(j);
	journal_free(j2);
	free(out);
	free(out2);
	free(err);
	free(text);
	return 0;
}
