/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "model/cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copy the next word of *p into a malloc'd string without its quotes and
 * advance *p past it; 0 at the end of the line, 1 for a word. */
static int next_word(const char **p, char **ret)
{
	const char *s = *p;
	bool quoted = false;
	size_t n = 0;
	char *w;

	while (is_space(*s))
		s++;
	if (!*s)
		return 0;
	w = malloc(strlen(s) + 1);
	if (!w)
		return -ENOMEM;
	for (; *s && (quoted || !is_space(*s)); s++) {
		if (*s == '"')
			quoted = !quoted;
		else
			w[n++] = *s;
	}
	w[n] = 0;
	*p = s;
	*ret = w;
	return 1;
}

int cmdline_get_key(const char *line, const char *key, char **ret_value)
{
	_cleanup_free_ char *found = NULL;
	size_t klen = strlen(key);
	const char *p = line;
	bool have = false;
	char *w;
	int r;

	if (isempty(key))
		return -EINVAL;
	while ((r = next_word(&p, &w)) > 0) {
		_cleanup_free_ char *word = w;

		if (streq(word, "--"))
			break;
		if (!strneq(word, key, klen) || (word[klen] != '=' && word[klen] != 0))
			continue;
		free(found);
		found = strdup(word[klen] == '=' ? word + klen + 1 : "");
		if (!found)
			return -ENOMEM;
		have = true;
	}
	if (r < 0)
		return r;
	if (!have)
		return -ENOENT;
	*ret_value = TAKE_PTR(found);
	return 0;
}
