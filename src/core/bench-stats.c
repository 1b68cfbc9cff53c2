/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "bench-stats.h"

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
			fputc(*s, f);
		}
}

#define W_BAR 60
#define GAP 30
#define TOP 50
#define PLOT_H 300
#define LEFT 60

static void draw_bar(FILE *f, const BenchSeries *s, size_t i, double scale)
{
	int x = LEFT + GAP + (int)i * (W_BAR + GAP);
	BenchStats st;

	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + W_BAR / 2, TOP + PLOT_H + 18);
	put_escaped(f, s->path);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + W_BAR / 2, TOP + PLOT_H + 34);
	put_escaped(f, s->proto);
	fputs("</text>\n", f);
	if (bench_stats(s->bps, s->n, &st) < 0)
		return;
	double h = st.mean / 1e9 * scale, ymin = st.min / 1e9 * scale, ymax = st.max / 1e9 * scale;
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", x, TOP + PLOT_H - h,
		W_BAR, h, streq(s->proto, "udp") ? "#e08a2c" : "#2c6fb7");
	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n", x + W_BAR / 2,
		TOP + PLOT_H - ymin, x + W_BAR / 2, TOP + PLOT_H - ymax);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%.2f</text>\n", x + W_BAR / 2,
		TOP + PLOT_H - ymax - 6, st.mean / 1e9);
}

static double max_gbps(const BenchSeries *s, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s[i].n; k++)
			m = s[i].bps[k] / 1e9 > m ? s[i].bps[k] / 1e9 : m;
	return m > 0 ? m : 1;
}

int bench_svg(const BenchSeries *s, size_t n, const char *title, char **ret)
{
	double top = ceil(max_gbps(s, n)), scale;
	int width = LEFT + GAP + (int)n * (W_BAR + GAP);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	scale = PLOT_H / top;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		   "font-size=\"12\">\n<text x=\"%d\" y=\"24\" font-size=\"16\">", width, TOP + PLOT_H + 50, LEFT);
	put_escaped(f, title);
	fputs("</text>\n", f);
	/* Axis with five ticks in Gbit/s. */
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, TOP, LEFT, TOP + PLOT_H);
	for (int t = 0; t <= 4; t++) {
		double v = top * t / 4;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", LEFT - 4,
			TOP + PLOT_H - v * scale + 4, v);
	}
	fprintf(f, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">Gbit/s</text>\n",
		TOP + PLOT_H / 2, TOP + PLOT_H / 2);
	for (size_t i = 0; i < n; i++)
		draw_bar(f, &s[i], i, scale);
	fputs("</svg>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
