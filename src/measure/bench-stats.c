/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "measure/bench-stats.h"
#include "measure/chart-axis.h"

int bench_stats(const double *v, size_t n, BenchStats *ret)
{
	BenchStats s = { .min = v && n ? v[0] : 0, .max = v && n ? v[0] : 0 };
	double sq = 0;

	if (!v || n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		s.mean += v[i];
		s.min = v[i] < s.min ? v[i] : s.min;
		s.max = v[i] > s.max ? v[i] : s.max;
	}
	s.mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - s.mean) * (v[i] - s.mean);
	s.stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	*ret = s;
	return 0;
}

/* Text content: the few characters XML reserves. */
static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		default:
			/* XML 1.0 has no place for control characters. */
			fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
		}
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

int bench_series_init(BenchSeries *s, const char *label, const char *from, const char *to, const char *path,
		      const char *proto, unsigned seconds)
{
	*s = (BenchSeries){ .seconds = seconds };
	if (dup_or_null(label, &s->label) < 0 || dup_or_null(from, &s->from) < 0 || dup_or_null(to, &s->to) < 0 ||
	    dup_or_null(path, &s->path) < 0 || dup_or_null(proto, &s->proto) < 0) {
		bench_series_done(s);
		return -ENOMEM;
	}
	return 0;
}

void bench_series_done(BenchSeries *s)
{
	if (!s)
		return;
	free(s->label);
	free(s->from);
	free(s->to);
	free(s->path);
	free(s->proto);
	free(s->file);
	*s = (BenchSeries){};
}

void bench_series_free(BenchSeries *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		bench_series_done(&s[i]);
	free(s);
}

#define W_BAR 60
#define GAP_IN 8 /* between the bars of one label */
#define GAP 30   /* between labels */
#define TOP 50
#define PLOT_H 300
#define LEFT 60
#define CHAR_W 7 /* a 12 px sans-serif character, roughly */

static bool same_label(const BenchSeries *a, const BenchSeries *b)
{
	return streq(a->label ? a->label : "", b->label ? b->label : "");
}

/* How values become pixels and text: the axis, its pixels per unit, the
 * decimals of the bar labels. */
typedef struct Chart {
	ChartAxis axis;
	double scale;
	int decimals;
} Chart;

static double chart_y(const Chart *c, double bps)
{
	return TOP + PLOT_H - bps / c->axis.per_unit * c->scale;
}

static void draw_bar(FILE *f, const BenchSeries *s, int x, const Chart *c)
{
	BenchStats st;

	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + W_BAR / 2, TOP + PLOT_H + 16);
	put_escaped(f, s->proto);
	fputs("</text>\n", f);
	if (bench_stats(s->bps, s->n, &st) < 0)
		return;
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", x,
		chart_y(c, st.mean), W_BAR, TOP + PLOT_H - chart_y(c, st.mean),
		s->proto && streq(s->proto, "udp") ? "#e08a2c" : "#2c6fb7");
	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n", x + W_BAR / 2,
		chart_y(c, st.min), x + W_BAR / 2, chart_y(c, st.max));
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n", x + W_BAR / 2,
		chart_y(c, st.max) - 6, c->decimals, st.mean / c->axis.per_unit);
}

/* The series s[i..*end) that share a label, and the width they take. */
static int group_width(const BenchSeries *s, size_t n, size_t i, size_t *end)
{
	size_t j = i + 1;
	int bars, text;

	while (j < n && same_label(&s[i], &s[j]))
		j++;
	*end = j;
	bars = (int)(j - i) * (W_BAR + GAP_IN) - GAP_IN;
	text = s[i].label ? (int)strlen(s[i].label) * CHAR_W : 0;
	return bars > text ? bars : text;
}

/* Draws the group starting at s[i]; returns its end index. */
static size_t draw_group(FILE *f, const BenchSeries *s, size_t n, size_t i, int x, const Chart *c, int *ret_width)
{
	size_t end;
	int w = group_width(s, n, i, &end);
	int bars = (int)(end - i) * (W_BAR + GAP_IN) - GAP_IN, bx = x + (w - bars) / 2;

	for (size_t k = i; k < end; k++, bx += W_BAR + GAP_IN)
		draw_bar(f, &s[k], bx, c);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + w / 2, TOP + PLOT_H + 34);
	put_escaped(f, s[i].label);
	fputs("</text>\n", f);
	*ret_width = w;
	return end;
}

/* The axis from the largest run (the whiskers' top), the labels from the
 * means. */
static int chart_init(const BenchSeries *s, size_t n, Chart *ret)
{
	_cleanup_free_ double *means = calloc(n ? n : 1, sizeof(double));
	size_t n_means = 0;
	double max = 0;
	BenchStats st;

	if (!means)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (bench_stats(s[i].bps, s[i].n, &st) == 0) {
			means[n_means++] = st.mean;
			max = st.max > max ? st.max : max;
		}
	chart_axis(max, &ret->axis);
	ret->scale = PLOT_H / ret->axis.top;
	ret->decimals = chart_value_decimals(&ret->axis, means, n_means);
	return 0;
}

static void draw_axis(FILE *f, const Chart *c)
{
	const ChartAxis *a = &c->axis;
	int ticks = (int)lround(a->top / a->step);

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, TOP, LEFT, TOP + PLOT_H);
	for (int t = 0; t <= ticks; t++) {
		double v = a->step * t;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", LEFT - 4,
			TOP + PLOT_H - v * c->scale + 4, a->decimals, v);
	}
	fprintf(f, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>\n",
		TOP + PLOT_H / 2, TOP + PLOT_H / 2, a->unit);
}

int bench_svg(const BenchSeries *s, size_t n, const char *title, char **ret)
{
	_cleanup_free_ char *body = NULL;
	char *buf = NULL;
	size_t size = 0, bsize = 0;
	int x = LEFT + GAP, w;
	Chart c;
	FILE *f;

	if (chart_init(s, n, &c) < 0 || !(f = open_memstream(&body, &bsize)))
		return -ENOMEM;
	/* The bars first, into a buffer: their widths make the image's. */
	for (size_t i = 0; i < n; x += w + GAP)
		i = draw_group(f, s, n, i, x, &c, &w);
	if (fclose(f) != 0)
		return -ENOMEM;
	/* Wide enough for the title too (16 px: about 9 px a character). */
	if (title && x < LEFT + (int)strlen(title) * 9 + GAP)
		x = LEFT + (int)strlen(title) * 9 + GAP;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		   "font-size=\"12\">\n<text x=\"%d\" y=\"24\" font-size=\"16\">", x, TOP + PLOT_H + 50, LEFT);
	put_escaped(f, title);
	fputs("</text>\n", f);
	draw_axis(f, &c);
	fputs(body, f);
	fputs("</svg>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
