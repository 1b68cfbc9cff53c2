/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tune_state_parse over arbitrary text, as tune-state.json is read; what
 * parses is written and parses back to the same text. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/tune-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *text_of(const TuneState *s)
{
	json_object *root = tune_state_to_json(s);
	char *text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));

	json_object_put(root);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), *text = NULL, *again = NULL;
	TuneState p, q;

	if (!s)
		return 0;
	if (tune_state_parse(s, &p) == 0) {
		text = text_of(&p);
		if (!text || tune_state_parse(text, &q) < 0 || q.n != p.n)
			abort();
		again = text_of(&q);
		if (!again || strcmp(text, again) != 0)
			abort();
		tune_state_done(&q);
		tune_state_done(&p);
	}
	free(again);
	free(text);
	free(s);
	return 0;
}
