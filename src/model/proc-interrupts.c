/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cpuset.h"
#include "basic/macro.h"
#include "model/proc-interrupts.h"

/* /proc/interrupts of 8192 CPUs and a few thousand irqs is tens of MB. */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
		n++;
	return n;
}

/* An unsigned decimal token of exactly n bytes that fits in u64. */
static bool parse_count(const char *p, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		if (v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*ret = v;
	return true;
}

static void irq_row_done(IrqRow *r)
{
	free(r->id);
	free(r->counts);
	free(r->chip);
	free(r->hwirq);
	free(r->actions);
}

void proc_interrupts_free(ProcInterrupts *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rows; i++)
		irq_row_done(&p->rows[i]);
	free(p->rows);
	free(p->cpus);
	free(p);
}

/* "           CPU0       CPU1" -> column CPU numbers.  Every token must be
 * CPU<n>, ascending, or the line is not a header. */
static int parse_header(const char *line, size_t len, unsigned **ret, size_t *ret_n)
{
	_cleanup_free_ unsigned *cpus = NULL;
	_cleanup_free_ char *copy = strndup(line, len);
	size_t n = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		uint64_t v;
		unsigned *nc;

		if (!strneq(t, "CPU", 3) || !parse_count(t + 3, strlen(t + 3), &v) || v >= CPUSET_MAX)
			return -EBADMSG;
		if (n > 0 && v <= cpus[n - 1])
			return -EBADMSG;
		nc = realloc(cpus, (n + 1) * sizeof(*cpus));
		if (!nc)
			return -ENOMEM;
		cpus = nc;
		cpus[n++] = (unsigned)v;
	}
	if (n == 0)
		return -EBADMSG;
	*ret = TAKE_PTR(cpus);
	*ret_n = n;
	return 0;
}

/* NULL for an all-blank span, which is not an error. */
static int dup_stripped(const char *p, size_t n, char **ret)
{
	while (n > 0 && isspace((unsigned char)*p))
		p++, n--;
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	*ret = NULL;
	if (n == 0)
		return 0;
	*ret = strndup(p, n);
	return *ret ? 0 : -ENOMEM;
}

static bool is_trigger(const char *p, size_t n)
{
	static const char *const types[] = { "Level", "Edge", "level", "edge" };

	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		if (n == strlen(types[i]) && strneq(p, types[i], n))
			return true;
	return false;
}

/* After the counts of a numbered row: "CHIP HWIRQ-type actions" (x86) or
 * "CHIP HWIRQ Type actions" (GIC).  Chip and hwirq have no spaces; the
 * action list ("a, b") may. */
static int parse_tail(IrqRow *row, const char *p, const char *end)
{
	size_t n;
	const char *h;

	p = skip_space(p);
	if (p >= end)
		return 0;
	n = token_len(p);
	row->chip = strndup(p, n);
	if (!row->chip)
		return -ENOMEM;
	p = skip_space(p + n);
	h = p;
	n = token_len(p);
	if (n > 0 && isdigit((unsigned char)*p)) {
		const char *dash = memchr(p, '-', n);

		p = skip_space(p + n);
		if (!dash && is_trigger(p, token_len(p)))
			p = skip_space(p + token_len(p));
		if (dup_stripped(h, (size_t)(p - h), &row->hwirq) < 0)
			return -ENOMEM;
	}
	return p < end ? dup_stripped(p, (size_t)(end - p), &row->actions) : 0;
}

static bool valid_id(const char *p, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '-')
			return false;
	return true;
}

/* One row; 0 and row untouched when the line is not a row. */
static int parse_row(const ProcInterrupts *pi, const char *line, const char *end, IrqRow *row)
{
	const char *p = skip_space(line), *colon;
	uint64_t v;
	size_t n;
	int r;

	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon || !valid_id(p, (size_t)(colon - p)))
		return 0;
	*row = (IrqRow){ .irq = -1 };
	row->id = strndup(p, (size_t)(colon - p));
	row->counts = calloc(pi->n_cpus, sizeof(uint64_t));
	if (!row->id || !row->counts)
		return -ENOMEM;
	if (parse_count(p, (size_t)(colon - p), &v) && v <= INT32_MAX)
		row->irq = (int)v;
	p = colon + 1;
	while (row->n_counts < pi->n_cpus) {
		p = skip_space(p);
		n = token_len(p);
		if (p + n > end || !parse_count(p, n, &v))
			break;
		row->counts[row->n_counts++] = v;
		row->total = row->total + v < row->total ? UINT64_MAX : row->total + v;
		p += n;
	}
	if (row->irq >= 0)
		r = parse_tail(row, p, end);
	else
		r = dup_stripped(p, (size_t)(end - p), &row->actions);
	return r < 0 ? r : 1;
}

static int add_row(ProcInterrupts *pi, const char *line, const char *end, size_t *cap)
{
	IrqRow row = {};
	int r;

	r = parse_row(pi, line, end, &row);
	if (r <= 0) {
		irq_row_done(&row);
		return r;
	}
	if (pi->n_rows == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		IrqRow *nr = realloc(pi->rows, nc * sizeof(IrqRow));

		if (!nr) {
			irq_row_done(&row);
			return -ENOMEM;
		}
		pi->rows = nr;
		*cap = nc;
	}
	pi->rows[pi->n_rows++] = row;
	return 0;
}

int proc_interrupts_parse(const char *text, ProcInterrupts **ret)
{
	_cleanup_proc_interrupts_ ProcInterrupts *pi = NULL;
	const char *line = text;
	size_t cap = 0;
	int r;

	pi = calloc(1, sizeof(*pi));
	if (!pi)
		return -ENOMEM;
	while (*line) {
		const char *end = line + strcspn(line, "\n");

		/* The header is the first non-blank line. */
		if (!pi->cpus) {
			if (*skip_space(line) != '\n' && *skip_space(line) != 0) {
				r = parse_header(line, (size_t)(end - line), &pi->cpus, &pi->n_cpus);
				if (r < 0)
					return r;
			}
		} else {
			r = add_row(pi, line, end, &cap);
			if (r < 0)
				return r;
		}
		line = *end ? end + 1 : end;
	}
	if (!pi->cpus)
		return -EBADMSG;
	*ret = TAKE_PTR(pi);
	return 0;
}


const IrqRow *proc_interrupts_find(const ProcInterrupts *p, int irq)
{
	for (size_t i = 0; irq >= 0 && i < p->n_rows; i++)
		if (p->rows[i].irq == irq)
			return &p->rows[i];
	return NULL;
}

uint64_t irq_row_count_on(const ProcInterrupts *p, const IrqRow *row, unsigned cpu)
{
	for (size_t i = 0; i < row->n_counts && i < p->n_cpus; i++)
		if (p->cpus[i] == cpu)
			return row->counts[i];
	return 0;
}
