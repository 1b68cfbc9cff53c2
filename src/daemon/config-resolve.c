/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "daemon/config-resolve.h"
#include "host/netdev.h"

static const char *why(int r, const char *name)
{
	if (r == -ENODEV && !strchr(name, ':'))
		return "not a PCI network device (bridge, veth, loopback?)";
	if (r == -ENOENT || r == -ENODEV)
		return "no such interface or PCI device";
	return strerror(-r);
}

/* Each entry of one list to its canonical address; a second name for a
 * device already listed is refused, naming both lines. */
static int resolve_list(ConfigPf *list, unsigned n, const char *key, const char *filename, char ***errors)
{
	for (unsigned i = 0; i < n; i++) {
		_cleanup_free_ char *addr = NULL;
		char name[IF_NAMESIZE + PCI_ADDR_STRLEN];
		PciAddr a;
		int r;

		config_pf_to_string(&list[i], name);
		r = pci_resolve_name(name, &addr);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && pci_addr_parse(addr, &a) < 0)
			r = -EBADMSG;
		if (r < 0) {
			if (strv_extendf(errors, "%s:%u: %s: '%s': %s", filename, list[i].line, key, name, why(r, name)) < 0)
				return -ENOMEM;
			continue;
		}
		list[i].is_pci = true;
		list[i].addr = a;
		for (unsigned k = 0; k < i; k++)
			if (list[k].is_pci && pci_addr_equal(&list[k].addr, &a) &&
			    strv_extendf(errors, "%s:%u: %s: '%s' is %s, already listed on %s:%u", filename, list[i].line,
				    key, name, addr, filename, list[k].line) < 0)
				return -ENOMEM;
	}
	return 0;
}

int config_resolve(Config *c, const char *filename, char ***ret_errors)
{
	_cleanup_strv_free_ char **errors = NULL;
	int r;

	r = resolve_list(c->pfs, c->n_pfs, "pf", filename, &errors);
	if (r >= 0)
		r = resolve_list(c->irq.nics, c->irq.n_nics, "nic", filename, &errors);
	if (r < 0)
		return r;
	if (errors) {
		if (ret_errors)
			*ret_errors = TAKE_PTR(errors);
		return -EINVAL;
	}
	return 0;
}

int config_load_resolved(const char *path, Config **ret, char ***ret_errors)
{
	_cleanup_config_free_ Config *c = NULL;
	int r;

	r = config_load(path, &c, ret_errors);
	if (r < 0)
		return r;
	r = config_resolve(c, path, ret_errors);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}
