/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl sriov show|set|reset (persist|restore|unpersist: cmd-sriov-persist.c) */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ether-addr.h"
#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"
#include "host/pci.h"
#include "pf-util.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl sriov show [PF]\n"
		"       kvmnetctl sriov set PF COUNT [--force]\n"
		"       kvmnetctl sriov reset PF [--force]\n"
		"       kvmnetctl sriov persist [PF] [--modprobe]\n"
		"       kvmnetctl sriov restore\n"
		"       kvmnetctl sriov unpersist\n"
		"\n"
		"Show, create and remove the SR-IOV virtual functions of a PF (a netdev\n"
		"name or a PCI address).  A change between two nonzero counts goes through\n"
		"0 and destroys every VF; it is refused while a VF is held by a running VM\n"
		"or bound to a host driver other than vfio-pci, or when libvirt cannot say\n"
		"who holds them (down, or no answer within 'kvmnetctl --timeout'), unless\n"
		"--force is given.\n"
		"\n"
		"  show       the PFs, their VFs, drivers, attributes and holders\n"
		"  set        create COUNT VFs (0 removes them); new VFs get no driver\n"
		"  reset      remove every VF and give VF probing back to host drivers\n"
		"  persist    record the VF count, attributes and bindings of PF (default:\n"
		"             every PF with VFs) under /etc/kvmnet/sriov.d and install\n"
		"             kvmnet-sriov.service, which makes them again at boot before\n"
		"             libvirtd\n"
		"  restore    make them again (what the boot unit runs)\n"
		"  unpersist  remove what persist wrote, and only that\n"
		"\n"
		"Options:\n"
		"  -f, --force     destroy VFs in use (says which first)\n"
		"      --modprobe  persist as /etc/modprobe.d/kvmnet-DRIVER.conf instead:\n"
		"                  'options igb max_vfs=N' and a blacklist of the host VF\n"
		"                  driver (counts only)\n"
		"  -h, --help      show this help\n");
}

static void print_vf_row(const SriovPf *pf, size_t i, const VfConfig *attrs, bool holders_known,
			 const SriovHolder *holders, size_t n_holders)
{
	_cleanup_pci_function_ PciFunction *f = NULL;
	const char *addr = pf->vf_addrs[i], *held = "-";
	char mac[ETHER_ADDR_STRLEN] = "-", vlan[16] = "-", qos[8] = "-", minr[16] = "-", maxr[16] = "-";
	const char *spoof = "-", *trust = "-", *state = "-";

	if (addr)
		(void)pci_function_read(addr, &f);
	(void)sriov_check_rebind(addr, holders, n_holders, &held);
	/* Without libvirt's answer "-" would claim the VF is free. */
	if (!holders_known)
		held = "unknown";
	if (attrs) {
		if (attrs->mask & VF_ATTR_BIT(VF_ATTR_MAC))
			ether_addr_format(attrs->mac, mac);
		snprintf(vlan, sizeof(vlan), "%u", attrs->vlan);
		snprintf(qos, sizeof(qos), "%u", attrs->qos);
		snprintf(minr, sizeof(minr), "%u", attrs->min_rate);
		snprintf(maxr, sizeof(maxr), "%u", attrs->max_rate);
		if (attrs->mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK))
			spoof = attrs->spoofchk ? "on" : "off";
		if (attrs->mask & VF_ATTR_BIT(VF_ATTR_TRUST))
			trust = attrs->trust ? "on" : "off";
		if (attrs->mask & VF_ATTR_BIT(VF_ATTR_LINK_STATE))
			state = vf_link_state_to_string(attrs->link_state) ?: "?";
	}
	printf("  %-3zu %-13s %-9s %-17s %-4s %-3s %-8s %-5s %-7s %-5s %-5s %s\n", i, addr ?: "-",
	       f && f->driver ? f->driver : "-", mac, vlan, qos, spoof, trust, state, minr, maxr, held ?: "-");
}

static int show_pf(const char *addr, Rtnl *rtnl, bool holders_known, const SriovHolder *holders, size_t n_holders)
{
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	_cleanup_pci_function_ PciFunction *f = NULL;
	_cleanup_free_ VfConfig *attrs = NULL;
	const char *ifname;
	bool up = false;
	size_t n_attrs = 0;
	int r;

	r = sriov_pf_read(addr, &pf);
	if (r < 0)
		return r;
	(void)pci_function_read(addr, &f);
	ifname = f && f->netdevs && f->netdevs[0] ? f->netdevs[0] : NULL;
	if (rtnl && ifname) {
		(void)rtnl_vf_read(rtnl, ifname, &attrs, &n_attrs);
		(void)rtnl_link_is_up(rtnl, ifname, &up);
	}
	printf("PF %s  netdev %s  driver %s  link %s  numvfs %d/%d  autoprobe %s\n", addr, ifname ?: "-",
	       f && f->driver ? f->driver : "-", !rtnl || !ifname ? "-" : up ? "up" : "down", pf->numvfs,
	       pf->totalvfs, pf->drivers_autoprobe < 0 ? "?" : pf->drivers_autoprobe ? "on" : "off");
	if (pf->n_vfs == 0)
		return 0;
	printf("  %-3s %-13s %-9s %-17s %-4s %-3s %-8s %-5s %-7s %-5s %-5s %s\n", "VF", "ADDRESS", "DRIVER", "MAC",
	       "VLAN", "QOS", "SPOOFCHK", "TRUST", "STATE", "MIN", "MAX", "HELD-BY");
	for (size_t i = 0; i < pf->n_vfs; i++)
		print_vf_row(pf, i, vf_config_find(attrs, n_attrs, (uint32_t)i), holders_known, holders, n_holders);
	return 0;
}

/* Every function with an sriov_totalvfs attribute. */
static int verb_show(int argc, char **argv, bool holders_known, const SriovHolder *holders, size_t n_holders)
{
	_cleanup_(rtnl_closep) Rtnl *rtnl = NULL;
	_cleanup_strv_free_ char **pfs = NULL;
	int r;

	if (argc > 1)
		return cli_usage_error("sriov", "show: unexpected argument '%s'; expected at most one PF", argv[1]);
	if (argc == 1) {
		_cleanup_free_ char *addr = NULL;

		r = cli_resolve_pf("sriov", argv[0], &addr, NULL);
		if (r != 0)
			return r;
		r = strv_extend(&pfs, addr);
	} else
		r = sriov_list_pfs(&pfs);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl sriov: listing /sys/bus/pci/devices: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	if (!pfs || !pfs[0]) {
		printf("No SR-IOV physical functions.\n");
		return EXIT_OK;
	}
	/* Attributes are extra: without rtnetlink the sysfs view still shows. */
	if (cli_rtnl_open(&rtnl) < 0)
		rtnl = NULL;
	STRV_FOREACH(p, pfs) {
		r = show_pf(*p, rtnl, holders_known, holders, n_holders);
		if (r < 0) {
			fprintf(stderr, "kvmnetctl sriov: reading %s: %s\n", *p, strerror(-r));
			return EXIT_FAILED;
		}
	}
	return EXIT_OK;
}

static int run_change(const char *addr, const char *name, int count, bool reset, bool force,
		      const SriovHolder *holders, size_t n_holders)
{
	_cleanup_(rtnl_closep) Rtnl *rtnl = NULL;
	SriovOptions o = { .force = force };
	SriovReport rep = {};
	SriovPlan plan = {};
	int r;

	r = cli_rtnl_open(&rtnl);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl sriov: opening rtnetlink: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	o.rtnl = rtnl;
	r = reset ? sriov_reset(addr, holders, n_holders, &o, &plan, &rep)
		  : sriov_set_numvfs(addr, count, holders, n_holders, &o, &plan, &rep);
	if (r == -EBUSY && plan.refused) {
		fprintf(stderr,
			"kvmnetctl sriov: refusing to change %s from %d to %d VFs: the change goes through 0,\n"
			"which destroys every VF, and these are in use:\n",
			name, plan.from, plan.to);
		cli_print_blockers(&plan, stderr);
		fprintf(stderr, "Stop or detach them first, or use --force.\n");
	}
	if (r == 0 && plan.kind == SRIOV_PLAN_NOTHING && !rep.done)
		printf("%s already has %d VFs; nothing to do.\n", name, plan.to);
	cli_print_report("sriov", &rep);
	if (r < 0 && !(r == -EBUSY && plan.refused) && !rep.failed)
		fprintf(stderr, "kvmnetctl sriov: %s: %s\n", name, strerror(-r));
	sriov_plan_done(&plan);
	sriov_report_done(&rep);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* --force must say what it breaks before it breaks it: plan first. */
static void preview_force(const char *addr, const char *name, int count, const SriovHolder *holders,
			  size_t n_holders)
{
	SriovPlan plan = {};

	if (sriov_plan_change(addr, count, holders, n_holders, true, &plan) < 0)
		return;
	if (plan.n_blockers > 0) {
		printf("--force: changing %s from %d to %d VFs destroys these VFs in use:\n", name, plan.from, plan.to);
		cli_print_blockers(&plan, stdout);
		fflush(stdout);
	}
	sriov_plan_done(&plan);
}

static int verb_set(int argc, char **argv, bool reset, bool force, const SriovHolder *holders, size_t n_holders)
{
	_cleanup_free_ char *addr = NULL;
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	unsigned count = 0;
	int r;

	if (argc != (reset ? 1 : 2))
		return cli_usage_error("sriov", reset ? "reset: expected PF" : "set: expected PF COUNT");
	r = cli_resolve_pf("sriov", argv[0], &addr, NULL);
	if (r != 0)
		return r;
	if (!reset) {
		r = sriov_pf_read(addr, &pf);
		if (r < 0)
			return EXIT_FAILED;
		r = cli_parse_uint("sriov", "COUNT", argv[1], 0, pf->totalvfs >= 0 ? (unsigned)pf->totalvfs : 65535,
				   &count);
		if (r != 0)
			return r;
	}
	if (force)
		preview_force(addr, argv[0], reset ? 0 : (int)count, holders, n_holders);
	return run_change(addr, argv[0], (int)count, reset, force, holders, n_holders);
}

int cmd_sriov(int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "modprobe", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	SriovHolder *holders = NULL;
	size_t n_holders = 0;
	_cleanup_free_ char *why = NULL;
	bool force = false, modprobe = false;
	const char *verb;
	int c, r;

	/* Options may come anywhere ("set PF 4 --force"): no '+'. */
	while ((c = getopt_long(argc, argv, "fh", options, NULL)) >= 0)
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'M':
			modprobe = true;
			break;
		case 'h':
			help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("sriov", "unknown option");
		}
	if (optind >= argc)
		return cli_usage_error("sriov", "expected a verb: show, set, reset, persist, restore or unpersist");
	verb = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (force && !streq(verb, "set") && !streq(verb, "reset"))
		return cli_usage_error("sriov", "--force: only for set and reset");
	if (modprobe && !streq(verb, "persist"))
		return cli_usage_error("sriov", "--modprobe: only for persist");
	if (streq(verb, "persist"))
		return sriov_verb_persist(argc, argv, modprobe);
	if (streq(verb, "restore"))
		return sriov_verb_restore(argc, argv);
	if (streq(verb, "unpersist"))
		return sriov_verb_unpersist(argc, argv);
	if (!streq(verb, "show") && !streq(verb, "set") && !streq(verb, "reset"))
		return cli_usage_error("sriov", "unknown verb '%s'; expected show, set, reset, persist, restore or unpersist",
				       verb);
	r = cli_vf_holders(&holders, &n_holders, &why);
	if (r == -ENOMEM)
		return EXIT_FAILED;
	if (r < 0) {
		/* show can go on without holders; a change through 0 must not
		 * guess, since it destroys VFs a running VM may hold. */
		if (r == -ETIMEDOUT)
			fprintf(stderr, "kvmnetctl sriov: cannot tell which VMs hold VFs: %s\n", why ?: "libvirt did not answer in time");
		else
			fprintf(stderr, "kvmnetctl sriov: cannot tell which VMs hold VFs: libvirt at %s: %s\n", cli.uri,
				why ? why : strerror(-r));
		if (streq(verb, "set") || streq(verb, "reset")) {
			if (!force) {
				fprintf(stderr, "kvmnetctl sriov: refusing to change the VF count blind; %s, or pass --force\n",
					r == -ETIMEDOUT ? "nothing changed. Find why libvirtd does not answer, wait "
							  "longer with --timeout"
							: "start libvirtd");
				return EXIT_FAILED;
			}
			fprintf(stderr, "kvmnetctl sriov: --force: going on as if no VM held a VF\n");
		}
	}
	if (streq(verb, "show"))
		r = verb_show(argc, argv, r >= 0, holders, n_holders);
	else
		r = verb_set(argc, argv, streq(verb, "reset"), force, holders, n_holders);
	cli_vf_holders_free(holders, n_holders);
	return r;
}
