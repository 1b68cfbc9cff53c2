/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "irq.h"

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int irq_pci_vectors(const PciAddr *pci, unsigned **ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ unsigned *v = NULL;
	char addr[PCI_ADDR_STRLEN], path[128];
	size_t n = 0;
	int r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", pci_addr_format(pci, addr));
	r = list_dir(path, NULL, &names);
	if (r < 0)
		return r;
	v = calloc(strv_length(names) + 1, sizeof(unsigned));
	if (!v)
		return -ENOMEM;
	STRV_FOREACH(s, names) {
		uint32_t irq;

		/* Only decimal names are vectors; anything else is not ours. */
		if ((*s)[0] == '0' && (*s)[1] != 0)
			continue;
		if (parse_u32(*s, &irq) == 0)
			v[n++] = irq;
	}
	qsort(v, n, sizeof(unsigned), cmp_unsigned);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static int read_list(unsigned irq, const char *file, CpuSet *ret)
{
	_cleanup_free_ char *line = NULL;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/irq/%u/%s", irq, file);
	r = read_one_line(path, &line);
	if (r < 0)
		return r;
	return cpuset_parse_list(line, ret);
}

int irq_read_affinity(unsigned irq, CpuSet *ret)
{
	return read_list(irq, "smp_affinity_list", ret);
}

int irq_read_effective_affinity(unsigned irq, CpuSet *ret)
{
	return read_list(irq, "effective_affinity_list", ret);
}

int irq_write_affinity(unsigned irq, const CpuSet *set)
{
	_cleanup_free_ char *list = NULL;
	char path[64];
	int r;

	if (cpuset_count(set) == 0)
		return -EINVAL;
	r = cpuset_format_list(set, &list);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq);
	return write_string_file(path, list);
}

static bool is_dir(const char *dir, const char *name)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;

	if (root_path(&p, "%s/%s", dir, name) < 0)
		return false;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int irq_read_actions(unsigned irq, char **ret)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ char *joined = NULL;
	char dir[64];
	size_t len = 0;
	int r;

	snprintf(dir, sizeof(dir), "/proc/irq/%u", irq);
	r = list_dir(dir, NULL, &names);
	if (r < 0)
		return r;
	STRV_FOREACH(s, names) {
		char *n;

		if (!is_dir(dir, *s))
			continue;
		n = realloc(joined, len + strlen(*s) + 2);
		if (!n)
			return -ENOMEM;
		joined = n;
		len += (size_t)sprintf(joined + len, "%s%s", len ? "," : "", *s);
	}
	*ret = TAKE_PTR(joined);
	return 0;
}
