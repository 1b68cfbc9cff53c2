/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A unified diff ("--- a", "+++ b", "@@ -l,n +l,n @@" hunks with
 * `context` lines around changes) of two texts, by longest common
 * subsequence of lines.  *ret is "" when the texts are equal.  Texts of
 * more than LINE_DIFF_MAX_LINES lines give -E2BIG (the table is n*m). */
#define LINE_DIFF_MAX_LINES 4000
int line_diff_unified(const char *a, const char *b, const char *label_a, const char *label_b, unsigned context,
		      char **ret);
