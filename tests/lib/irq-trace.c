/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "irq-trace.h"

void irq_trace_free(IrqTrace *t)
{
	if (!t)
		return;
	free(t->irqs);
	free(t->initial);
	free(t->base);
	free(t->rates);
	free(t);
}

static int parse_doubles(char *s, double *out, size_t n)
{
	char *save = NULL, *tok;
	size_t k = 0;

	for (tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *end;

		if (k == n)
			return -EINVAL;
		out[k++] = strtod(tok, &end);
		if (*end)
			return -EINVAL;
	}
	return k == n ? 0 : -EINVAL;
}

static int parse_header_list(IrqTrace *t, char *rest, bool irqs)
{
	char *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(rest, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		long v = strtol(tok, NULL, 10);

		if (irqs) {
			unsigned *a = realloc(t->irqs, (n + 1) * sizeof(unsigned));
			int *b = a ? realloc(t->initial, (n + 1) * sizeof(int)) : NULL;

			if (a)
				t->irqs = a;
			if (!b)
				return -ENOMEM;
			t->initial = b;
			t->irqs[n] = (unsigned)v;
			t->initial[n] = -1;
		} else if (n >= t->n_v)
			return -EINVAL;
		else
			t->initial[n] = (int)v;
		n++;
	}
	if (irqs)
		t->n_v = n;
	return n > 0 && (irqs || n == t->n_v) ? 0 : -EINVAL;
}

static int parse_sample(IrqTrace *t, char *line)
{
	char *bar = strchr(line, '|'), *sp;
	size_t k = t->n_ticks;
	double *b, *r;

	if (!bar || t->n_cpus == 0 || t->n_v == 0)
		return -EINVAL;
	*bar = 0;
	sp = strpbrk(line, " \t"); /* skip the sample number */
	if (!sp)
		return -EINVAL;
	b = realloc(t->base, (k + 1) * t->n_cpus * sizeof(double));
	if (b)
		t->base = b;
	r = b ? realloc(t->rates, (k + 1) * t->n_v * sizeof(double)) : NULL;
	if (!r)
		return -ENOMEM;
	t->rates = r;
	if (parse_doubles(sp, t->base + k * t->n_cpus, t->n_cpus) < 0 ||
	    parse_doubles(bar + 1, t->rates + k * t->n_v, t->n_v) < 0)
		return -EINVAL;
	t->n_ticks++;
	return 0;
}

static int parse_line(IrqTrace *t, char *line)
{
	if (line[0] == '#' || line[strspn(line, " \t")] == 0)
		return 0;
	if (strneq(line, "cpus ", 5))
		return (t->n_cpus = (unsigned)atoi(line + 5)) > 0 && t->n_cpus <= CPUSET_MAX ? 0 : -EINVAL;
	if (strneq(line, "allowed ", 8))
		return cpuset_parse_list(line + 8, &t->allowed);
	if (strneq(line, "cost_us ", 8))
		return (t->cost_us = atof(line + 8)) > 0 ? 0 : -EINVAL;
	if (strneq(line, "vectors ", 8))
		return parse_header_list(t, line + 8, true);
	if (strneq(line, "initial ", 8))
		return parse_header_list(t, line + 8, false);
	return parse_sample(t, line);
}

int irq_trace_parse(const char *text, IrqTrace **ret, unsigned *ret_line)
{
	_cleanup_free_ char *copy = strdup(text);
	IrqTrace *t = calloc(1, sizeof(IrqTrace));
	unsigned lineno = 0;

	if (!copy || !t) {
		free(t);
		return -ENOMEM;
	}
	/* strsep keeps empty lines so line numbers stay true. */
	for (char *p = copy, *line; (line = strsep(&p, "\n"));) {
		int r;

		lineno++;
		r = parse_line(t, line);
		if (r < 0) {
			irq_trace_free(t);
			*ret_line = lineno;
			return r;
		}
	}
	if (t->n_ticks == 0 || cpuset_count(&t->allowed) == 0) {
		irq_trace_free(t);
		*ret_line = lineno;
		return -EINVAL;
	}
	*ret = t;
	return 0;
}

int irq_trace_slurp(const char *path, char **ret)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return negative_errno();
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	buf[len] = 0;
	n = (size_t)ferror(f);
	fclose(f);
	if (n) {
		free(buf);
		return -EIO;
	}
	*ret = buf;
	return 0;
}

int irq_trace_load(const char *path, IrqTrace **ret, unsigned *ret_line)
{
	_cleanup_free_ char *text = NULL;
	int r;

	*ret_line = 0;
	r = irq_trace_slurp(path, &text);
	if (r < 0)
		return r;
	return irq_trace_parse(text, ret, ret_line);
}

/* Load of every CPU in sample k with vectors where cpu_of says. */
static void loads(const IrqTrace *t, size_t k, const int *cpu_of, double *load)
{
	for (unsigned c = 0; c < t->n_cpus; c++)
		load[c] = t->base[k * t->n_cpus + c];
	for (size_t i = 0; i < t->n_v; i++)
		if (cpu_of[i] >= 0 && (unsigned)cpu_of[i] < t->n_cpus)
			load[cpu_of[i]] += t->rates[k * t->n_v + i] * t->cost_us / 1e4;
}

static void static_placement(const IrqTrace *t, ReplayPolicy pol, int *cpu_of)
{
	int first = cpuset_first(&t->allowed), c = -1;

	for (size_t i = 0; i < t->n_v; i++) {
		if (pol == REPLAY_FIXED)
			cpu_of[i] = first;
		else {
			c = cpuset_next(&t->allowed, c);
			if (c < 0)
				c = first;
			cpu_of[i] = c;
		}
	}
}

static int step_kvmnet(const IrqTrace *t, IrqPlacementState *s, const IrqPlacementParams *p, size_t k,
		       const double *load, int *cpu_of, FILE *log, ReplayResult *res)
{
	_cleanup_free_ IrqVectorLoad *v = calloc(t->n_v + 1, sizeof(IrqVectorLoad));
	_cleanup_free_ IrqMove *m = NULL;
	size_t n_m = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_v; i++)
		v[i] = (IrqVectorLoad){ t->irqs[i], t->rates[k * t->n_v + i], cpu_of[i] };
	r = irq_placement_decide(s, p, &t->allowed, load, t->n_cpus, v, t->n_v, &m, &n_m);
	if (r < 0)
		return r;
	for (size_t j = 0; j < n_m; j++) {
		for (size_t i = 0; i < t->n_v; i++)
			if (t->irqs[i] == m[j].irq)
				cpu_of[i] = m[j].to;
		if (m[j].reason == IRQ_MOVE_PLACE)
			res->places++;
		else
			res->moves++;
		if (log)
			fprintf(log, "t=%zu irq %u cpu%d -> cpu%d busy %.1f -> %.1f rate %.0f (%s)\n", k, m[j].irq,
				m[j].from, m[j].to, m[j].from_busy, m[j].to_busy, m[j].rate,
				irq_move_reason_to_string(m[j].reason));
	}
	return 0;
}

int irq_trace_replay(const IrqTrace *t, ReplayPolicy pol, const IrqPlacementParams *p, FILE *log,
		     ReplayResult *ret)
{
	_cleanup_(irq_placement_state_freep) IrqPlacementState *s = NULL;
	_cleanup_free_ int *cpu_of = calloc(t->n_v + 1, sizeof(int));
	_cleanup_free_ double *load = calloc(t->n_cpus, sizeof(double));
	ReplayResult res = {};
	double sum_max = 0;
	int r;

	if (!cpu_of || !load)
		return -ENOMEM;
	r = irq_placement_state_new(&s);
	if (r < 0)
		return r;
	if (pol == REPLAY_KVMNET)
		memcpy(cpu_of, t->initial, t->n_v * sizeof(int));
	else if (pol == REPLAY_KVMNET_FRESH)
		for (size_t i = 0; i < t->n_v; i++)
			cpu_of[i] = -1;
	else
		static_placement(t, pol, cpu_of);
	for (size_t k = 0; k < t->n_ticks; k++) {
		double max = 0;

		/* The load of sample k follows the placement made after k-1. */
		loads(t, k, cpu_of, load);
		for (unsigned c = 0; c < t->n_cpus; c++) {
			max = load[c] > max ? load[c] : max;
			res.over += load[c] > p->busy_percent;
		}
		res.peak = max > res.peak ? max : res.peak;
		sum_max += max;
		/* What /proc/stat would show: a CPU is at most 100% busy. */
		for (unsigned c = 0; c < t->n_cpus; c++)
			load[c] = load[c] > 100 ? 100 : load[c];
		if (pol == REPLAY_KVMNET || pol == REPLAY_KVMNET_FRESH) {
			r = step_kvmnet(t, s, p, k, load, cpu_of, log, &res);
			if (r < 0)
				return r;
		}
	}
	res.mean_max = sum_max / (double)t->n_ticks;
	res.moves_per_vector_minute = (double)res.moves / (double)t->n_v / ((double)t->n_ticks / 60.0);
	*ret = res;
	return 0;
}
