/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line-diff.h"
#include "macro.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef struct Lines {
	const char **s; /* starts, pointing into the text */
	size_t *len;
	size_t n;
} Lines;

static void lines_done(Lines *l)
{
	free(l->s);
	free(l->len);
}

static int split(const char *t, Lines *ret)
{
	size_t n = 0, cap = 0;

	*ret = (Lines){};
	for (const char *p = t; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (n >= LINE_DIFF_MAX_LINES)
			return -E2BIG;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			const char **s = realloc(ret->s, cap * sizeof(char *));
			size_t *l = s ? realloc(ret->len, cap * sizeof(size_t)) : NULL;

			if (s)
				ret->s = s;
			if (!l)
				return -ENOMEM;
			ret->len = l;
		}
		ret->s[n] = p;
		ret->len[n] = len;
		n++;
		p += len + (e ? 1 : 0);
	}
	ret->n = n;
	return 0;
}

static bool line_eq(const Lines *a, size_t i, const Lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

/* One edit script entry: ' ', '-' or '+' with the line's index. */
typedef struct Op {
	char kind;
	size_t ia, ib;
} Op;

/* LCS lengths from the end, then a walk from the start: the classic
 * dynamic program, fine for domain XMLs of a few hundred lines. */
static int edit_script(const Lines *a, const Lines *b, Op **ret, size_t *ret_n)
{
	size_t w = b->n + 1;
	_cleanup_free_ uint32_t *t = calloc((a->n + 1) * w, sizeof(uint32_t));
	Op *ops = malloc((a->n + b->n + 1) * sizeof(Op));
	size_t i = 0, j = 0, n = 0;

	if (!t || !ops) {
		free(ops);
		return -ENOMEM;
	}
	for (size_t x = a->n; x-- > 0;)
		for (size_t y = b->n; y-- > 0;)
			t[x * w + y] = line_eq(a, x, b, y) ? t[(x + 1) * w + y + 1] + 1
							   : MAX(t[(x + 1) * w + y], t[x * w + y + 1]);
	while (i < a->n || j < b->n) {
		if (i < a->n && j < b->n && line_eq(a, i, b, j))
			ops[n++] = (Op){ ' ', i++, j++ };
		/* On a tie, delete first: "-old" then "+new", as diff(1) does. */
		else if (i < a->n && (j == b->n || t[(i + 1) * w + j] >= t[i * w + j + 1]))
			ops[n++] = (Op){ '-', i++, j };
		else
			ops[n++] = (Op){ '+', i, j++ };
	}
	*ret = ops;
	*ret_n = n;
	return 0;
}

static void print_op(FILE *f, const Op *o, const Lines *a, const Lines *b)
{
	const Lines *l = o->kind == '+' ? b : a;
	size_t k = o->kind == '+' ? o->ib : o->ia;

	fprintf(f, "%c%.*s\n", o->kind, (int)l->len[k], l->s[k]);
}

/* Print the hunk covering ops[from, to). */
static void print_hunk(FILE *f, const Op *ops, size_t from, size_t to, const Lines *a, const Lines *b)
{
	size_t na = 0, nb = 0;

	for (size_t k = from; k < to; k++) {
		na += ops[k].kind != '+';
		nb += ops[k].kind != '-';
	}
	/* Unified diff numbers lines from 1; an empty side names the line before. */
	fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", ops[from].ia + (na ? 1 : 0), na, ops[from].ib + (nb ? 1 : 0), nb);
	for (size_t k = from; k < to; k++)
		print_op(f, &ops[k], a, b);
}

static void print_hunks(FILE *f, const Op *ops, size_t n, unsigned ctx, const Lines *a, const Lines *b)
{
	size_t k = 0;

	while (k < n) {
		size_t start, end, last;

		while (k < n && ops[k].kind == ' ')
			k++;
		if (k == n)
			break;
		start = k > ctx ? k - ctx : 0;
		/* Extend while the next change is within 2*ctx unchanged lines. */
		last = k;
		for (end = k; end < n; end++) {
			if (ops[end].kind != ' ')
				last = end;
			else if (end - last > 2 * (size_t)ctx)
				break;
		}
		end = MIN(n, last + 1 + ctx);
		print_hunk(f, ops, start, end, a, b);
		k = end;
	}
}

int line_diff_unified(const char *a, const char *b, const char *label_a, const char *label_b, unsigned context,
		      char **ret)
{
	Lines la = {}, lb = {};
	_cleanup_free_ Op *ops = NULL;
	char *buf = NULL;
	size_t n = 0, size = 0;
	FILE *f;
	int r;

	if ((r = split(a, &la)) < 0 || (r = split(b, &lb)) < 0 || (r = edit_script(&la, &lb, &ops, &n)) < 0)
		goto out;
	f = open_memstream(&buf, &size);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	bool changed = false;
	for (size_t k = 0; k < n; k++)
		changed |= ops[k].kind != ' ';
	if (changed) {
		fprintf(f, "--- %s\n+++ %s\n", label_a, label_b);
		print_hunks(f, ops, n, context, &la, &lb);
	}
	if (fclose(f) != 0) {
		free(buf);
		r = -ENOMEM;
		goto out;
	}
	*ret = buf;
	r = 0;
out:
	lines_done(&la);
	lines_done(&lb);
	return r;
}
