/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "model/proc-interrupts.h"
#include "host/procfs.h"

static const char x86[] =
	"           CPU0       CPU1       \n"
	"  0:         44          0   IO-APIC   2-edge      timer\n"
	" 38:          0       1936 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"
	" 16:         10         20   IO-APIC  16-fasteoi   ehci_hcd:usb1, snd_hda_intel\n"
	"NMI:          3          4   Non-maskable interrupts\n"
	"LOC:     123456     654321   Local timer interrupts\n"
	"ERR:          0\n"
	"MIS:          0\n";

static void test_x86(void **state)
{
	ProcInterrupts *p = NULL;
	const IrqRow *r;

	assert_int_equal(proc_interrupts_parse(x86, &p), 0);
	assert_int_equal(p->n_cpus, 2);
	assert_int_equal(p->cpus[1], 1);
	assert_int_equal(p->n_rows, 7);
	r = proc_interrupts_find(p, 38);
	assert_non_null(r);
	assert_int_equal(r->n_counts, 2);
	assert_int_equal(r->counts[1], 1936);
	assert_int_equal(r->total, 1936);
	assert_string_equal(r->chip, "PCI-MSIX-0000:00:03.0");
	assert_string_equal(r->hwirq, "1-edge");
	assert_string_equal(r->actions, "virtio2-input.0");
	assert_int_equal(irq_row_count_on(p, r, 1), 1936);
	assert_int_equal(irq_row_count_on(p, r, 7), 0);
	r = proc_interrupts_find(p, 16);
	assert_string_equal(r->hwirq, "16-fasteoi");
	assert_string_equal(r->actions, "ehci_hcd:usb1, snd_hda_intel");
	assert_string_equal(p->rows[3].id, "NMI");
	assert_int_equal(p->rows[3].irq, -1);
	assert_null(p->rows[3].chip);
	assert_string_equal(p->rows[3].actions, "Non-maskable interrupts");
	assert_int_equal(p->rows[4].total, 777777);
	/* ERR and MIS: one count, fewer columns than CPUs. */
	assert_string_equal(p->rows[5].id, "ERR");
	assert_int_equal(p->rows[5].n_counts, 1);
	assert_null(p->rows[5].actions);
	assert_null(proc_interrupts_find(p, 99));
	assert_null(proc_interrupts_find(p, -1));
	proc_interrupts_free(p);
}

/* arm64 GICv3: hwirq and trigger are two tokens; offline CPU1 has no column. */
static void test_gic_offline(void **state)
{
	ProcInterrupts *p = NULL;
	const IrqRow *r;

	assert_int_equal(proc_interrupts_parse(
				 "           CPU0       CPU2\n"
				 " 11:      12345       6789     GICv3  27 Level     arch_timer\n"
				 " 47:          0          0     ITS-MSI 524288 Edge      eth0-TxRx-0\n"
				 "IPI0:        10         20       Rescheduling interrupts\n",
				 &p),
			 0);
	assert_int_equal(p->cpus[1], 2);
	r = proc_interrupts_find(p, 11);
	assert_string_equal(r->chip, "GICv3");
	assert_string_equal(r->hwirq, "27 Level");
	assert_string_equal(r->actions, "arch_timer");
	assert_int_equal(irq_row_count_on(p, r, 2), 6789);
	assert_int_equal(irq_row_count_on(p, r, 1), 0);
	r = proc_interrupts_find(p, 47);
	assert_string_equal(r->hwirq, "524288 Edge");
	assert_string_equal(r->actions, "eth0-TxRx-0");
	assert_string_equal(p->rows[2].id, "IPI0");
	proc_interrupts_free(p);
}

static void test_odd(void **state)
{
	ProcInterrupts *p = NULL;

	assert_int_equal(proc_interrupts_parse("", &p), -EBADMSG);
	assert_int_equal(proc_interrupts_parse("\n\n", &p), -EBADMSG);
	assert_int_equal(proc_interrupts_parse("garbage\n 0: 1 2\n", &p), -EBADMSG);
	assert_int_equal(proc_interrupts_parse("CPU1 CPU0\n", &p), -EBADMSG);
	assert_int_equal(proc_interrupts_parse("CPU0 CPU99999\n", &p), -EBADMSG);
	assert_int_equal(proc_interrupts_parse("CPUx\n", &p), -EBADMSG);

	/* Garbage rows are skipped; a truncated last line keeps what it had. */
	assert_int_equal(proc_interrupts_parse(
				 "\n   CPU0 CPU1\n"
				 "no colon here\n"
				 "bad id!: 1 2\n"
				 ":\n"
				 " 5: 18446744073709551616 3 chip 1-edge x\n"
				 " 6: 18446744073709551615 1 chip 1-edge y\n"
				 " 7: 12",
				 &p),
			 0);
	assert_int_equal(p->n_rows, 3);
	/* An overflowing count is not a count: it becomes the chip name. */
	assert_int_equal(p->rows[0].n_counts, 0);
	assert_string_equal(p->rows[0].chip, "18446744073709551616");
	/* Totals saturate. */
	assert_true(p->rows[1].total == UINT64_MAX);
	assert_int_equal(p->rows[2].irq, 7);
	assert_int_equal(p->rows[2].n_counts, 1);
	assert_int_equal(p->rows[2].counts[0], 12);
	assert_null(p->rows[2].chip);
	proc_interrupts_free(p);

	/* More numbers than columns: the rest is not counts. */
	assert_int_equal(proc_interrupts_parse("CPU0\n 9: 1 2 3\n", &p), 0);
	assert_int_equal(p->rows[0].n_counts, 1);
	assert_string_equal(p->rows[0].chip, "2");
	proc_interrupts_free(p);
	proc_interrupts_free(NULL);
}

static void test_4096(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	ProcInterrupts *p = NULL;

	assert_non_null(f);
	for (int c = 0; c < 4096; c++)
		fprintf(f, "CPU%-8d", c);
	fputc('\n', f);
	for (int irq = 0; irq < 64; irq++) {
		fprintf(f, "%4d:", irq);
		for (int c = 0; c < 4096; c++)
			fprintf(f, " %10d", c == irq ? 1000 + irq : 0);
		fprintf(f, "  IR-PCI-MSIX-0000:3b:00.0 %d-edge  ice-eth0-TxRx-%d\n", irq, irq);
	}
	fclose(f);
	assert_int_equal(proc_interrupts_parse(buf, &p), 0);
	assert_int_equal(p->n_cpus, 4096);
	assert_int_equal(p->cpus[4095], 4095);
	assert_int_equal(p->n_rows, 64);
	assert_int_equal(p->rows[63].n_counts, 4096);
	assert_int_equal(p->rows[63].total, 1063);
	assert_int_equal(irq_row_count_on(p, &p->rows[63], 63), 1063);
	assert_string_equal(p->rows[63].actions, "ice-eth0-TxRx-63");
	proc_interrupts_free(p);
	free(buf);
}

/* This machine's real file, copied into the fixture. */
static void test_fixture(void **state)
{
	char root[512];
	ProcInterrupts *p = NULL;
	const IrqRow *r;

	snprintf(root, sizeof(root), "%s/virtio-2cpu", getenv("KVMNET_FIXTURES"));
	setenv("KVMNET_SYSROOT", root, 1);
	sysroot_reset();
	assert_int_equal(proc_interrupts_read(&p), 0);
	assert_int_equal(p->n_cpus, 2);
	r = proc_interrupts_find(p, 38);
	assert_non_null(r);
	assert_string_equal(r->chip, "PCI-MSIX-0000:00:03.0");
	assert_string_equal(r->actions, "virtio2-input.0");
	proc_interrupts_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86),
		cmocka_unit_test(test_gic_offline),
		cmocka_unit_test(test_odd),
		cmocka_unit_test(test_4096),
		cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
