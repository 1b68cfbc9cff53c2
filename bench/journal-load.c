/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/journal-load: loading STATE_DIR/journal.json must be linear in its
 * size (issue 19: 10k/20k/40k originals took 0.25/0.72/2.44 s).
 *
 * Writes journals of 10k, 20k and 40k originals (and as many VFs and
 * attachments as a host of 8 PFs x 64 VFs has), loads each with
 * journal_load() (best of RUNS), and prints the time per original and the
 * ratio 40k/10k measured in this run: about 4 is linear, about 16
 * quadratic.  Exits 1 when the ratio is over 8 (past what a loaded, shared
 * machine makes of linear; quadratic is 16).
 *
 * Usage: journal-load [RUNS]   (default 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/deadline.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "daemon/journal.h"

static int write_journal(const char *dir, unsigned n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_FILE);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs("{\"version\": 1, \"active\": true, \"below_since_us\": 0, \"pfs\": [", f);
	for (unsigned pf = 0; pf < 8; pf++) {
		fprintf(f, "%s{\"pf\": \"0000:%02x:00.0\", \"numvfs_changed\": true, \"numvfs\": 0, \"autoprobe\": 1, "
			   "\"vfs\": [", pf ? ", " : "", pf + 1);
		for (unsigned vf = 0; vf < 64; vf++)
			fprintf(f, "%s{\"index\": %u, \"driver_override\": \"vfio-pci\", \"mac\": \"52:54:00:00:%02x:%02x\"}",
				vf ? ", " : "", vf, pf, vf);
		fputs("]}", f);
	}
	fputs("], \"attached\": [], \"originals\": {", f);
	/* The shapes tune-run and irq-loop record. */
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s\"/proc/irq/%u/smp_affinity_list\": \"0-%u\"", i ? ", " : "", i, i % 64);
	fputs("}}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

static double load_us(const char *dir, unsigned n, unsigned runs)
{
	double best = 0;

	for (unsigned r = 0; r < runs; r++) {
		Journal *j = NULL;
		uint64_t t0 = now_monotonic_us(), t;

		if (journal_load(dir, &j, NULL) < 0 || j->n_originals != n) {
			fprintf(stderr, "journal-load: loading %u originals failed\n", n);
			exit(1);
		}
		t = now_monotonic_us() - t0;
		journal_free(j);
		if (r == 0 || t < best)
			best = (double)t;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = { 10000, 20000, 40000 };
	char dir[] = "/tmp/kvmnet-journal-load-XXXXXX", path[512];
	uint32_t runs = 3;
	double us[ELEMENTSOF(sizes)];

	if (argc > 1 && (parse_u32(argv[1], &runs) < 0 || runs < 1)) {
		fprintf(stderr, "Usage: journal-load [RUNS]\n");
		return 2;
	}
	if (!mkdtemp(dir))
		return 1;
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		if (write_journal(dir, sizes[i]) < 0)
			return 1;
		us[i] = load_us(dir, sizes[i], runs);
		printf("journal-load: %5u originals: %8.1f ms, %.2f us per original\n", sizes[i], us[i] / 1000,
		       us[i] / sizes[i]);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_FILE);
	unlink(path);
	rmdir(dir);
	printf("journal-load: ratio 40k/10k %.2f (linear: ~4, quadratic: ~16)\n", us[2] / us[0]);
	return us[2] / us[0] > 8 ? 1 : 0;
}
