/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "macro.h"

static inline void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)
#define _cleanup_json_tokener_ _cleanup_(json_tokener_freep)

/* Parse exactly len bytes as one strict JSON value (nesting at most 32
 * deep; only white space after it).  -EFBIG over max, -EBADMSG for anything that is
 * not one JSON value, with the reason in *ret_error when not NULL ("empty
 * or cut short", json-c's description, "text after the end"). */
int json_parse_text(const char *text, size_t len, size_t max, json_object **ret, char **ret_error);
