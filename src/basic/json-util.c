/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"

static int fail(char **ret_error, const char *why)
{
	if (ret_error)
		*ret_error = strdup(why);
	return -EBADMSG;
}

int json_parse_text(const char *text, size_t len, size_t max, json_object **ret, char **ret_error)
{
	_cleanup_json_tokener_ json_tokener *tok = NULL;
	json_object *root;

	if (len > max || len > INT_MAX)
		return -EFBIG;
	if (len == 0)
		return fail(ret_error, "empty");
	tok = json_tokener_new_ex(32);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root && json_tokener_get_error(tok) == json_tokener_continue)
		return fail(ret_error, "empty or cut short");
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		return fail(ret_error, json_tokener_error_desc(json_tokener_get_error(tok)));
	}
	/* White space may follow (a file's last newline); nothing else. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (text[i] == 0 || !strchr(" \t\r\n", text[i])) {
			json_object_put(root);
			return fail(ret_error, "text after the end of the JSON value");
		}
	*ret = root;
	return 0;
}
