/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "commands.h"
#include "host/netdev.h"
#include "virt/domains.h"
#include "libvirt-job.h"
#include "pf-util.h"

int cli_resolve_pf(const char *cmd, const char *name, char **ret_addr, char **ret_ifname)
{
	_cleanup_free_ char *addr = NULL;
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	int r;

	r = pci_resolve_name(name, &addr);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl %s: PF '%s': %s\n", cmd, name,
			r == -ENODEV && !strchr(name, ':') ? "not a PCI network device"
			: r == -ENOENT || r == -ENODEV	   ? "no such interface or PCI device"
							   : strerror(-r));
		return EXIT_USAGE;
	}
	r = sriov_pf_read(addr, &pf);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl %s: PF '%s' (%s): %s\n", cmd, name, addr,
			r == -EOPNOTSUPP ? "not an SR-IOV physical function (no sriov_totalvfs)" : strerror(-r));
		return r == -EOPNOTSUPP ? EXIT_USAGE : EXIT_FAILED;
	}
	if (ret_ifname)
		*ret_ifname = sriov_pf_netdev(addr);
	*ret_addr = TAKE_PTR(addr);
	return 0;
}

static int read_holders(virConnectPtr c, void *payload, char **ret_error)
{
	return virt_pci_holders(c, payload, ret_error);
}

static void holdersp_free(void *p)
{
	PciHolderMap **m = p;

	pci_holders_free(*m);
	free(m);
}

/* address -> domain, within --timeout. */
static int ask_holders(PciHolderMap **ret, char **ret_reason)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	PciHolderMap **m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = virt_job_new(cli.uri, VIRT_CONN_READ_ONLY, cli.libvirt_timeout_us, m, holdersp_free, &j);
	if (r < 0)
		return r;
	r = virt_job_last_step(j, read_holders, ret_reason);
	if (r == -ETIMEDOUT && ret_reason)
		*ret_reason = cli_virt_timeout_reason();
	if (r < 0)
		return r;
	*ret = TAKE_PTR(*m);
	return 0;
}

int cli_vf_holders(SriovHolder **ret, size_t *ret_n, char **ret_reason)
{
	_cleanup_pci_holders_ PciHolderMap *m = NULL;
	SriovHolder *h;
	int r;

	r = ask_holders(&m, ret_reason);
	if (r < 0)
		return r;
	h = calloc(m->n ? m->n : 1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		char buf[PCI_ADDR_STRLEN];

		h[i].pci_addr = strdup(pci_addr_format(&m->items[i].addr, buf));
		h[i].domain = strdup(m->items[i].domain);
		if (!h[i].pci_addr || !h[i].domain) {
			cli_vf_holders_free(h, i + 1);
			return -ENOMEM;
		}
	}
	*ret = h;
	*ret_n = m->n;
	return 0;
}

void cli_vf_holders_free(SriovHolder *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free((char *)h[i].pci_addr);
		free((char *)h[i].domain);
	}
	free(h);
}

int cli_rtnl_open(Rtnl **ret)
{
	if (!streq(sysroot(), "/")) {
		*ret = NULL;
		return 0;
	}
	return rtnl_open(ret);
}

void cli_print_report(const char *cmd, const SriovReport *rep)
{
	STRV_FOREACH(l, rep->done)
		printf("%s\n", *l);
	if (rep->failed)
		fprintf(stderr, "kvmnetctl %s: failed: %s\n", cmd, rep->failed);
	STRV_FOREACH(l, rep->undone)
		fprintf(stderr, "kvmnetctl %s: undone: %s\n", cmd, *l);
}

int cli_parse_uint(const char *cmd, const char *what, const char *s, unsigned min, unsigned max, unsigned *ret)
{
	uint32_t v;

	if (parse_u32(s, &v) < 0 || v < min || v > max)
		return cli_usage_error(cmd, "%s '%s': expected a number from %u to %u", what, s, min, max);
	*ret = v;
	return 0;
}

void cli_print_blockers(const SriovPlan *plan, FILE *f)
{
	for (size_t i = 0; i < plan->n_blockers; i++) {
		const SriovBlocker *b = &plan->blockers[i];

		fprintf(f, "  VF %d (%s): %s %s\n", b->vf_index, b->pci_addr ?: "?",
			b->reason == SRIOV_BLOCK_VM ? "held by running VM" : "bound to host driver", b->holder);
	}
}
