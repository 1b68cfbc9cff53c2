/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pci-addr.h"

static int hexfield(const char **p, size_t digits_max, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;
	size_t n = 0;

	while (isxdigit((unsigned char)**p)) {
		if (++n > digits_max)
			return -EINVAL;
		v = v * 16 + (unsigned long)(isdigit((unsigned char)**p) ? **p - '0' : (tolower((unsigned char)**p) - 'a' + 10));
		(*p)++;
	}
	if (n == 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int pci_addr_parse(const char *s, PciAddr *ret)
{
	unsigned long f[4];
	const char *p = s;
	int nfields = 0, r;

	/* Count colons to know whether a domain is present. */
	for (const char *c = s; *c; c++)
		if (*c == ':')
			nfields++;
	if (nfields != 1 && nfields != 2)
		return -EINVAL;
	if (nfields == 2) {
		r = hexfield(&p, 4, 0xffff, &f[0]);
		if (r < 0 || *p++ != ':')
			return -EINVAL;
	} else
		f[0] = 0;
	r = hexfield(&p, 2, 0xff, &f[1]);
	if (r < 0 || *p++ != ':')
		return -EINVAL;
	r = hexfield(&p, 2, 0x1f, &f[2]);
	if (r < 0 || *p++ != '.')
		return -EINVAL;
	r = hexfield(&p, 1, 7, &f[3]);
	if (r < 0 || *p)
		return -EINVAL;
	*ret = (PciAddr){ .domain = (uint32_t)f[0], .bus = (uint8_t)f[1], .slot = (uint8_t)f[2], .function = (uint8_t)f[3] };
	return 0;
}

bool pci_addr_equal(const PciAddr *a, const PciAddr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot && a->function == b->function;
}

char *pci_addr_format(const PciAddr *a, char buf[static PCI_ADDR_STRLEN])
{
	snprintf(buf, PCI_ADDR_STRLEN, "%04x:%02x:%02x.%x", a->domain & 0xffff, a->bus, a->slot, a->function);
	return buf;
}
