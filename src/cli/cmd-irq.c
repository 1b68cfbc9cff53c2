/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetctl irq show [NIC] [--json]
 * kvmnetctl irq pin NIC CPULIST
 *
 * NIC is a network interface name or a PCI address.  The vectors are the
 * PCI function's msi_irqs/; names and counts come from /proc/interrupts,
 * affinity from /proc/irq/<n>/.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/cpuset.h"
#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "basic/strv.h"
#include "commands.h"
#include "host/cpus.h"
#include "act/irq-pin.h"
#include "host/irq.h"
#include "host/netdev.h"
#include "model/proc-interrupts.h"
#include "host/procfs.h"

/* Counts shown per vector in the table; the JSON has them all. */
#define TOP_CPUS 3

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl irq show [NIC] [--json]\n"
		"       kvmnetctl irq pin NIC CPULIST\n"
		"\n"
		"Show or pin the MSI/MSI-X interrupt vectors of a NIC.\n"
		"NIC is an interface name (eth0) or a PCI address (0000:03:00.0);\n"
		"without it, show lists every NIC with vectors.\n"
		"\n"
		"  show   per vector: irq, name, total count and the CPUs that took\n"
		"         the most, affinity (smp_affinity_list) and effective affinity\n"
		"  pin    write CPULIST (\"2\", \"2-3,6\") to every vector's\n"
		"         smp_affinity_list, read it back and compare\n"
		"         effective_affinity_list: a vector still firing outside\n"
		"         CPULIST is reported as MISMATCH (without interrupt\n"
		"         remapping x86 moves it at its next interrupt); exits 1\n"
		"         if a write fails or does not read back.\n"
		"         irqbalance, if running, may move the vectors again.\n"
		"\n"
		"Options:\n"
		"  -j, --json   show: print JSON\n"
		"  -h, --help   show this help\n");
}

/* NIC argument: a PCI address that exists, or an interface name. */
static int resolve_nic(const char *arg, PciAddr *ret)
{
	_cleanup_free_ char *addr = NULL;
	int r;

	r = pci_resolve_name(arg, &addr);
	if (r < 0)
		return r;
	return pci_addr_parse(addr, ret);
}

typedef struct Vector {
	unsigned irq;
	const IrqRow *row; /* NULL when /proc/interrupts has no row for it */
	char *name;
	int r_aff, r_eff;  /* 0 or the -errno of reading each */
	CpuSet aff, eff;
} Vector;

static void vectors_free(Vector *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

static int load_vectors(const PciAddr *pci, const ProcInterrupts *pi, Vector **ret, size_t *ret_n)
{
	_cleanup_free_ unsigned *irqs = NULL;
	Vector *v;
	size_t n;
	int r;

	r = irq_pci_vectors(pci, &irqs, &n);
	if (r < 0)
		return r;
	v = calloc(n + 1, sizeof(Vector));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].irq = irqs[i];
		v[i].row = pi ? proc_interrupts_find(pi, (int)irqs[i]) : NULL;
		if (v[i].row && v[i].row->actions)
			v[i].name = strdup(v[i].row->actions);
		else
			(void)irq_read_actions(irqs[i], &v[i].name);
		v[i].r_aff = irq_read_affinity(irqs[i], &v[i].aff);
		v[i].r_eff = irq_read_effective_affinity(irqs[i], &v[i].eff);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static char *set_or_error(int r, const CpuSet *s)
{
	char *out = NULL;

	if (r < 0)
		return strdup("?");
	if (cpuset_format_list(s, &out) < 0)
		return NULL;
	return out;
}

/* "cpu1:1936 cpu0:4 +3" - the CPUs that took the most, then how many more. */
static void print_top(FILE *f, const ProcInterrupts *pi, const IrqRow *row)
{
	size_t shown = 0, nonzero = 0, last = SIZE_MAX;
	uint64_t prev_max = UINT64_MAX;

	for (size_t i = 0; row && i < row->n_counts; i++)
		nonzero += row->counts[i] > 0;
	/* Descending by count, ties by column, without sorting a copy. */
	while (row && shown < TOP_CPUS && shown < nonzero) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < row->n_counts; i++) {
			uint64_t c = row->counts[i];

			if (c == 0 || c > prev_max || (c == prev_max && i <= last))
				continue;
			if (best == SIZE_MAX || c > row->counts[best])
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		fprintf(f, "%scpu%u:%" PRIu64, shown ? " " : "", pi->cpus[best], row->counts[best]);
		prev_max = row->counts[best];
		last = best;
		shown++;
	}
	if (shown == 0)
		fputc('-', f);
	if (nonzero > shown)
		fprintf(f, " +%zu", nonzero - shown);
}

static void print_table(const char *label, const PciAddr *pci, const ProcInterrupts *pi, const Vector *v,
			size_t n)
{
	char buf[PCI_ADDR_STRLEN];

	printf("%s (%s)\n", label, pci_addr_format(pci, buf));
	if (n == 0) {
		printf("  no MSI/MSI-X vectors\n");
		return;
	}
	printf("  %-6s %-24s %12s  %-10s %-10s %s\n", "IRQ", "NAME", "TOTAL", "AFFINITY", "EFFECTIVE", "TOP CPUS");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *aff = set_or_error(v[i].r_aff, &v[i].aff);
		_cleanup_free_ char *eff = set_or_error(v[i].r_eff, &v[i].eff);

		printf("  %-6u %-24s ", v[i].irq, v[i].name ? v[i].name : "-");
		if (v[i].row)
			printf("%12" PRIu64, v[i].row->total);
		else
			printf("%12s", "?");
		printf("  %-10s %-10s ", aff ? aff : "?", eff ? eff : "?");
		print_top(stdout, pi, v[i].row);
		putchar('\n');
	}
}

static json_object *json_set(int r, const CpuSet *s)
{
	_cleanup_free_ char *l = NULL;

	if (r < 0 || cpuset_format_list(s, &l) < 0)
		return NULL;
	return json_object_new_string(l);
}

static json_object *json_vector(const ProcInterrupts *pi, const Vector *v)
{
	json_object *o = json_object_new_object(), *counts = json_object_new_object();

	json_object_object_add(o, "irq", json_object_new_int64(v->irq));
	json_object_object_add(o, "name", v->name ? json_object_new_string(v->name) : NULL);
	json_object_object_add(o, "chip", v->row && v->row->chip ? json_object_new_string(v->row->chip) : NULL);
	json_object_object_add(o, "total", v->row ? json_object_new_uint64(v->row->total) : NULL);
	/* Only CPUs that took some: 4096 zeros per vector say nothing. */
	for (size_t i = 0; v->row && i < v->row->n_counts; i++)
		if (v->row->counts[i] > 0) {
			char key[16];

			snprintf(key, sizeof(key), "%u", pi->cpus[i]);
			json_object_object_add(counts, key, json_object_new_uint64(v->row->counts[i]));
		}
	json_object_object_add(o, "counts", counts);
	json_object_object_add(o, "affinity", json_set(v->r_aff, &v->aff));
	json_object_object_add(o, "effective_affinity", json_set(v->r_eff, &v->eff));
	return o;
}

static json_object *json_nic(const char *label, const PciAddr *pci, const ProcInterrupts *pi, const Vector *v,
			     size_t n)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char buf[PCI_ADDR_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(label));
	json_object_object_add(o, "pci", json_object_new_string(pci_addr_format(pci, buf)));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_vector(pi, &v[i]));
	json_object_object_add(o, "vectors", a);
	return o;
}

/* One NIC into the table or the JSON array; -errno when its vectors
 * cannot be listed (logged here, once, with the path). */
static int show_one(const char *label, const PciAddr *pci, const ProcInterrupts *pi, json_object *array)
{
	Vector *v = NULL;
	size_t n = 0;
	char buf[PCI_ADDR_STRLEN];
	int r;

	r = load_vectors(pci, pi, &v, &n);
	if (r < 0)
		return log_error_errno(r, "%s: reading /sys/bus/pci/devices/%s/msi_irqs: %s", label,
				       pci_addr_format(pci, buf), strerror(-r));
	if (array)
		json_object_array_add(array, json_nic(label, pci, pi, v, n));
	else
		print_table(label, pci, pi, v, n);
	vectors_free(v, n);
	return 0;
}

/* Every interface backed by a PCI function with msi_irqs/; several
 * netdevs on one function (switchdev ports) are listed under each name. */
static int show_all(const ProcInterrupts *pi, json_object *array)
{
	_cleanup_strv_free_ char **names = NULL;
	int r, ret = 0;

	r = netdev_list(&names);
	if (r < 0)
		return log_error_errno(r, "reading /sys/class/net: %s", strerror(-r));
	STRV_FOREACH(name, names) {
		_cleanup_free_ unsigned *irqs = NULL;
		PciAddr pci;
		size_t n;

		if (resolve_nic(*name, &pci) < 0 || irq_pci_vectors(&pci, &irqs, &n) < 0)
			continue;
		r = show_one(*name, &pci, pi, array);
		if (r < 0)
			ret = r;
	}
	return ret;
}

static int nic_error(const char *nic, int r)
{
	PciAddr a;

	if (pci_addr_parse(nic, &a) == 0) {
		log_error("%s: no such PCI function in /sys/bus/pci/devices", nic);
		return EXIT_FAILED;
	}
	if (r == -EINVAL)
		return cli_usage_error("irq", "'%s' is neither an interface name nor a PCI address", nic);
	log_error_errno(r, "%s: no PCI function found (/sys/class/net/%s/device, /sys/bus/pci/devices): %s", nic,
			nic, strerror(-r));
	return EXIT_FAILED;
}

static int do_show(const char *nic, bool json)
{
	_cleanup_proc_interrupts_ ProcInterrupts *pi = NULL;
	json_object *array = json ? json_object_new_array() : NULL;
	PciAddr pci;
	int r;

	/* Without /proc/interrupts the affinity is still worth showing. */
	r = proc_interrupts_read(&pi);
	if (r < 0)
		log_warning_errno(r, "reading /proc/interrupts: %s; counts unknown", strerror(-r));
	if (nic) {
		r = resolve_nic(nic, &pci);
		if (r < 0) {
			json_object_put(array);
			return nic_error(nic, r);
		}
		r = show_one(nic, &pci, pi, array);
	} else
		r = show_all(pi, array);
	if (array) {
		json_object *top = json_object_new_object();

		json_object_object_add(top, "nics", array);
		puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(top);
	}
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* Pin one vector and say where it fires.  0: pinned, or pending (x86
 * moves a vector without interrupt remapping at its next interrupt, so a
 * quiet vector keeps its old effective CPU until it fires; reported, not
 * an error).  -errno: the write failed or did not stick. */
static int pin_one(unsigned irq, const CpuSet *set)
{
	_cleanup_free_ char *want = NULL, *got = NULL;
	IrqPinResult res;
	int r;

	(void)cpuset_format_list(set, &want);
	r = irq_pin(irq, set, 200, &res);
	if (r == -EIO)
		return log_error_errno(r, "irq %u: /proc/irq/%u/smp_affinity_list does not read back %s", irq, irq,
				       want ? want : "?");
	if (r < 0)
		return log_error_errno(r, "irq %u: writing %s to /proc/irq/%u/smp_affinity_list: %s%s", irq,
				       want ? want : "?", irq, strerror(-r), irq_pin_hint(r));
	if (res.effect == IRQ_PIN_UNKNOWN) {
		printf("irq %u: pinned to %s, effective unknown (effective_affinity_list: %s)\n", irq,
		       want ? want : "?", strerror(-res.effective_error));
		return 0;
	}
	(void)cpuset_format_list(&res.effective, &got);
	if (res.effect == IRQ_PIN_EFFECTIVE)
		printf("irq %u: pinned to %s, effective %s\n", irq, want ? want : "?", got ? got : "?");
	else
		printf("irq %u: pinned to %s, MISMATCH: still fires on %s (effective_affinity_list); "
		       "it moves at its next interrupt\n",
		       irq, want ? want : "?", got ? got : "?");
	return 0;
}

static int parse_pin_list(const char *list, CpuSet *ret)
{
	CpuSet set, online;
	int r;

	r = cpuset_parse_list(list, &set);
	if (r < 0 || cpuset_count(&set) == 0)
		return cli_usage_error("irq", "CPULIST '%s': expected a non-empty CPU list like 2 or 2-3,6", list);
	r = cpus_online(&online);
	if (r < 0)
		log_warning_errno(r, "reading /sys/devices/system/cpu/online: %s; not checked", strerror(-r));
	else
		CPUSET_FOREACH(cpu, &set)
			if (!cpuset_isset(&online, (unsigned)cpu))
				return cli_usage_error("irq", "CPULIST '%s': CPU %d is not online", list, cpu);
	*ret = set;
	return EXIT_OK;
}

static int do_pin(const char *nic, const char *list)
{
	_cleanup_free_ unsigned *irqs = NULL;
	char buf[PCI_ADDR_STRLEN];
	PciAddr pci;
	CpuSet set;
	size_t n;
	int r, failed = 0;

	r = parse_pin_list(list, &set);
	if (r != EXIT_OK)
		return r;
	r = resolve_nic(nic, &pci);
	if (r < 0)
		return nic_error(nic, r);
	r = irq_pci_vectors(&pci, &irqs, &n);
	if (r < 0 || n == 0) {
		log_error_errno(r, "%s: no MSI/MSI-X vectors in /sys/bus/pci/devices/%s/msi_irqs%s%s", nic,
				pci_addr_format(&pci, buf), r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++)
		if (pin_one(irqs[i], &set) < 0)
			failed++;
	if (failed)
		log_error("%s: %d of %zu vectors not pinned to %s", nic, failed, n, list);
	return failed ? EXIT_FAILED : EXIT_OK;
}

int cmd_irq(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool json = false;
	const char *verb;
	int c;

	/* Keep per-vector lines in order with the errors on stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	while ((c = getopt_long(argc, argv, "jh", options, NULL)) >= 0)
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("irq", "unknown option");
		}
	if (optind >= argc)
		return cli_usage_error("irq", "expected 'show' or 'pin'");
	verb = argv[optind++];
	if (streq(verb, "show")) {
		if (argc - optind > 1)
			return cli_usage_error("irq", "show takes at most one NIC");
		return do_show(optind < argc ? argv[optind] : NULL, json);
	}
	if (streq(verb, "pin")) {
		if (json)
			return cli_usage_error("irq", "--json is for show");
		if (argc - optind != 2)
			return cli_usage_error("irq", "expected: pin NIC CPULIST");
		return do_pin(argv[optind], argv[optind + 1]);
	}
	return cli_usage_error("irq", "unknown verb '%s': expected 'show' or 'pin'", verb);
}
