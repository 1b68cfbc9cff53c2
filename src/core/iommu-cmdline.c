/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "model/cmdline.h"
#include "core/iommu-cmdline.h"

void iommu_change_done(IommuChange *c)
{
	strv_free(c->add);
	strv_free(c->remove);
	*c = (IommuChange){};
}

bool iommu_change_empty(const IommuChange *c)
{
	return strv_length(c->add) == 0 && strv_length(c->remove) == 0;
}

/* "on" in "on,sm_on": the value lists options. */
static bool value_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");

		if (l == n && strneq(p, word, n))
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

static int want(IommuChange *c, const char *cmdline, const char *key, const char *value)
{
	_cleanup_free_ char *now = NULL, *word = NULL;

	if (cmdline && cmdline_get_key(cmdline, key, &now) == 0 && value_has(now, value))
		return 0;
	if (asprintf(&word, "%s=%s", key, value) < 0)
		return -ENOMEM;
	return strv_extend(&c->add, word);
}

static int build(const char *cmdline, const char *vendor_id, IommuChange *ret)
{
	IommuChange c = {};
	bool intel = streq(vendor_id, "GenuineIntel"), amd = streq(vendor_id, "AuthenticAMD");
	int r = 0;

	if (!intel && !amd)
		return -EOPNOTSUPP;
	if (intel)
		r = want(&c, cmdline, "intel_iommu", "on");
	if (r >= 0)
		r = want(&c, cmdline, "iommu", "pt");
	if (r >= 0 && amd) {
		_cleanup_free_ char *v = NULL;

		if (!cmdline || (cmdline_get_key(cmdline, "amd_iommu", &v) == 0 && value_has(v, "off")))
			r = strv_extend(&c.remove, v ? v : "off") < 0 ? -ENOMEM : 0;
	}
	/* Empty lists, not NULL: callers print them. */
	if (r >= 0 && !c.add && !(c.add = calloc(1, sizeof(char *))))
		r = -ENOMEM;
	if (r >= 0 && !c.remove && !(c.remove = calloc(1, sizeof(char *))))
		r = -ENOMEM;
	if (r < 0) {
		iommu_change_done(&c);
		return r;
	}
	/* remove holds amd_iommu's value; make it the whole word. */
	for (size_t i = 0; c.remove[i]; i++) {
		char *w = NULL;

		if (asprintf(&w, "amd_iommu=%s", c.remove[i]) < 0) {
			iommu_change_done(&c);
			return -ENOMEM;
		}
		free(c.remove[i]);
		c.remove[i] = w;
	}
	*ret = c;
	return 0;
}

int iommu_change_for(const char *cmdline, const char *vendor_id, IommuChange *ret)
{
	return build(cmdline ? cmdline : "", vendor_id, ret);
}

int iommu_change_full(const char *vendor_id, IommuChange *ret)
{
	return build(NULL, vendor_id, ret);
}

#define GRUB_KEY "GRUB_CMDLINE_LINUX="

/* The span of the last GRUB_CMDLINE_LINUX= line: [start, end) without its
 * newline; -ENOENT when there is none. */
static int find_line(const char *text, size_t *ret_start, size_t *ret_end)
{
	bool found = false;

	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n"), blank = strspn(l, " \t");

		if (strneq(l + blank, GRUB_KEY, strlen(GRUB_KEY))) {
			*ret_start = (size_t)(l - text);
			*ret_end = *ret_start + len;
			found = true;
		}
		l += len + (l[len] == '\n');
	}
	return found ? 0 : -ENOENT;
}

/* The value's words, its quote character (0: none) and what follows it
 * on the line (a comment), from the text after '='. */
static int split_value(const char *v, size_t n, char ***ret_words, char *ret_quote, const char **ret_rest)
{
	_cleanup_free_ char *content = NULL;
	char q = (n > 0 && (v[0] == '"' || v[0] == '\'')) ? v[0] : 0;
	const char *end;
	char **words = NULL;

	if (q) {
		end = memchr(v + 1, q, n - 1);
		if (!end)
			return -EINVAL;
		content = strndup(v + 1, (size_t)(end - v - 1));
		end++;
	} else {
		end = v + strcspn(v, " \t\n");
		if ((size_t)(end - v) > n)
			end = v + n;
		content = strndup(v, (size_t)(end - v));
	}
	if (!content)
		return -ENOMEM;
	/* What a shell would expand or unquote differently: left to a human. */
	if (strpbrk(content, q == '\'' ? "\\\"" : "$`\\\"'"))
		return -EINVAL;
	for (char *w = strtok(content, " \t"); w; w = strtok(NULL, " \t"))
		if (strv_extend(&words, w) < 0) {
			strv_free(words);
			return -ENOMEM;
		}
	*ret_words = words;
	*ret_quote = q;
	*ret_rest = end;
	return 0;
}

static bool same_key(const char *word, const char *kv)
{
	size_t k = strcspn(kv, "=");

	return strneq(word, kv, k) && (word[k] == '=' || word[k] == 0);
}

/* Apply the change to the word list in place; whether anything differs. */
static int edit_words(char ***words, const IommuChange *c, bool *ret_changed)
{
	char **out = NULL;
	bool changed = false;
	int r = 0;

	STRV_FOREACH(w, *words) {
		bool drop = strv_contains(c->remove, *w), replaced = false;

		STRV_FOREACH(a, c->add)
			if (same_key(*w, *a)) {
				/* The first one takes the value; later ones go. */
				bool first = !strv_contains(out, *a);

				if (first)
					r = strv_extend(&out, *a);
				changed = changed || !streq(*w, *a) || !first;
				replaced = true;
				break;
			}
		changed = changed || drop;
		if (!drop && !replaced && r >= 0)
			r = strv_extend(&out, *w);
	}
	STRV_FOREACH(a, c->add)
		if (r >= 0 && !strv_contains(out, *a)) {
			r = strv_extend(&out, *a);
			changed = true;
		}
	if (r < 0) {
		strv_free(out);
		return -ENOMEM;
	}
	strv_free(*words);
	*words = out;
	*ret_changed = changed;
	return 0;
}

static char *join(char **words)
{
	size_t n = 1;
	char *s;

	STRV_FOREACH(w, words)
		n += strlen(*w) + 1;
	s = calloc(1, n);
	if (!s)
		return NULL;
	STRV_FOREACH(w, words) {
		if (*s)
			strcat(s, " ");
		strcat(s, *w);
	}
	return s;
}

int grub_default_edit(const char *text, const IommuChange *c, char **ret, bool *ret_changed)
{
	_cleanup_strv_free_ char **words = NULL;
	_cleanup_free_ char *value = NULL;
	size_t start, end, eq;
	const char *rest;
	bool changed;
	char q;
	int r;

	r = find_line(text, &start, &end);
	if (r == -ENOENT) {
		r = edit_words(&words, c, &changed);
		value = r >= 0 ? join(words) : NULL;
		if (!value)
			return -ENOMEM;
		if (asprintf(ret, "%s%s" GRUB_KEY "\"%s\"\n", text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "",
			     value) < 0)
			return -ENOMEM;
		*ret_changed = true;
		return 0;
	}
	eq = start + strspn(text + start, " \t") + strlen(GRUB_KEY);
	r = split_value(text + eq, end - eq, &words, &q, &rest);
	if (r >= 0)
		r = edit_words(&words, c, &changed);
	if (r < 0)
		return r;
	if (!changed) {
		*ret = strdup(text);
		*ret_changed = false;
		return *ret ? 0 : -ENOMEM;
	}
	value = join(words);
	if (!value)
		return -ENOMEM;
	if (!q && strchr(value, ' '))
		q = '"';
	if (asprintf(ret, "%.*s%s%s%s%s", (int)eq, text, q ? (char[]){ q, 0 } : "", value, q ? (char[]){ q, 0 } : "",
		     rest) < 0)
		return -ENOMEM;
	*ret_changed = true;
	return 0;
}

int grub_default_line(const char *text, char **ret)
{
	size_t start, end;
	int r;

	r = find_line(text, &start, &end);
	if (r < 0)
		return r;
	start += strspn(text + start, " \t");
	*ret = strndup(text + start, end - start);
	return *ret ? 0 : -ENOMEM;
}
