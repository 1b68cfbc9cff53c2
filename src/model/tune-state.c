/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "model/tune-state.h"

void tune_state_done(TuneState *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->entries[i].path);
		free(s->entries[i].original);
		free(s->entries[i].applied);
	}
	free(s->entries);
	*s = (TuneState){};
}

TuneEntry *tune_state_find(TuneState *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->entries[i].path, path))
			return &s->entries[i];
	return NULL;
}

int tune_state_add(TuneState *s, const char *path, const char *original, const char *applied)
{
	TuneEntry *n = realloc(s->entries, (s->n + 1) * sizeof(TuneEntry));
	TuneEntry e = { strdup(path), strdup(original), strdup(applied) };

	if (n)
		s->entries = n;
	if (!n || !e.path || !e.original || !e.applied) {
		free(e.path);
		free(e.original);
		free(e.applied);
		return -ENOMEM;
	}
	s->entries[s->n++] = e;
	return 0;
}

void tune_state_remove(TuneState *s, const char *path)
{
	TuneEntry *e = tune_state_find(s, path);

	if (!e)
		return;
	free(e->path);
	free(e->original);
	free(e->applied);
	memmove(e, e + 1, (size_t)(s->entries + s->n - (e + 1)) * sizeof(TuneEntry));
	s->n--;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_entries(json_object *root, TuneState *s)
{
	json_object *arr, *ver;

	if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "version", &ver) ||
	    !json_object_is_type(ver, json_type_int))
		return -EBADMSG;
	/* A newer kvmnetctl's file is not malformed: refused by name. */
	if (json_object_get_int64(ver) > 1)
		return -EPROTONOSUPPORT;
	if (json_object_get_int64(ver) != 1 || !json_object_object_get_ex(root, "entries", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *p = get_str(e, "path"), *o = get_str(e, "original"), *a = get_str(e, "applied");
		int r;

		if (!p || !o || !a || p[0] != '/' || tune_state_find(s, p))
			return -EBADMSG;
		r = tune_state_add(s, p, o, a);
		if (r < 0)
			return r;
	}
	return 0;
}

int tune_state_parse(const char *text, TuneState *ret)
{
	TuneState s = {};
	json_object *root;
	int r;

	root = json_tokener_parse(text);
	if (!root)
		return -EBADMSG;
	r = parse_entries(root, &s);
	json_object_put(root);
	if (r < 0) {
		tune_state_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

json_object *tune_state_to_json(const TuneState *s)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(1));
	for (size_t i = 0; i < s->n; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "path", json_object_new_string(s->entries[i].path));
		json_object_object_add(e, "original", json_object_new_string(s->entries[i].original));
		json_object_object_add(e, "applied", json_object_new_string(s->entries[i].applied));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "entries", arr);
	return root;
}
