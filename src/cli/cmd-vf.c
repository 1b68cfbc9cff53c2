/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvmnetctl vf set|bind */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "commands.h"
#include "model/sriov-persist.h"
#include "pf-util.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl vf set PF INDEX [mac M] [vlan N [qos Q]] [spoofchk on|off]\n"
		"                        [trust on|off] [state auto|enable|disable]\n"
		"                        [min-rate R] [max-rate R] [--force]\n"
		"       kvmnetctl vf bind PF INDEX vfio-pci|host|none [--force]\n"
		"\n"
		"Configure one virtual function of a PF (a netdev name or a PCI address).\n"
		"\n"
		"  set   set VF attributes over rtnetlink, as 'ip link set PF vf INDEX' does;\n"
		"        rates are in Mbit/s (0: no limit).  Attributes that already hold\n"
		"        are not sent; one the driver refuses is reported on its own.\n"
		"        A new mac or vlan is refused on a VF a running VM holds, and when\n"
		"        libvirt cannot say who holds it, unless --force: it would cut the\n"
		"        guest's network.\n"
		"  bind  bind the VF to vfio-pci (for a VM), to the host VF driver, or to\n"
		"        none, via driver_override and drivers_probe; refused while a\n"
		"        running VM holds the VF, unless --force, and always when libvirt\n"
		"        cannot say who holds it (down, or no answer within\n"
		"        'kvmnetctl --timeout').\n"
		"\n"
		"Options:\n"
		"  -f, --force  rebind, or set the mac or vlan of, a VF a running VM holds\n"
		"  -h, --help   show this help\n");
}

static int parse_attrs(int argc, char **argv, VfConfig *c)
{
	_cleanup_free_ char *err = NULL;
	PersistVf v = {};
	int r;

	if (argc == 0)
		return cli_usage_error("vf", "set: expected at least one attribute to set");
	/* The same words a persisted "vf N ..." line uses, one parser. */
	r = vf_words_parse(argv, (size_t)argc, false, &v, &err);
	free(v.bind);
	if (r == -ENOMEM) {
		fprintf(stderr, "kvmnetctl vf: %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	if (r < 0)
		return cli_usage_error("vf", "%s", err ?: "bad attribute");
	*c = v.attrs;
	return 0;
}

/* PF, INDEX -> the PF's address and netdev, a VF index that exists and,
 * if ret_vf_addr is not NULL, the VF's address (NULL when its virtfn link
 * is missing). */
static int resolve_vf(const char *pf_name, const char *index_s, char **ret_addr, char **ret_ifname, unsigned *ret_index,
		      char **ret_vf_addr)
{
	_cleanup_free_ char *addr = NULL, *ifname = NULL, *vf_addr = NULL;
	_cleanup_sriov_pf_ SriovPf *pf = NULL;
	unsigned idx;
	int r;

	r = cli_resolve_pf("vf", pf_name, &addr, &ifname);
	if (r != 0)
		return r;
	r = sriov_pf_read(addr, &pf);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl vf: reading %s: %s\n", addr, strerror(-r));
		return EXIT_FAILED;
	}
	if (pf->numvfs <= 0)
		return cli_usage_error("vf", "INDEX '%s': %s has no VFs (kvmnetctl sriov set %s COUNT)", index_s,
				       pf_name, pf_name);
	r = cli_parse_uint("vf", "INDEX", index_s, 0, (unsigned)pf->numvfs - 1, &idx);
	if (r != 0)
		return r;
	if (ret_vf_addr && idx < pf->n_vfs && pf->vf_addrs[idx]) {
		vf_addr = strdup(pf->vf_addrs[idx]);
		if (!vf_addr) {
			fprintf(stderr, "kvmnetctl vf: %s\n", strerror(ENOMEM));
			return EXIT_FAILED;
		}
	}
	if (ret_vf_addr)
		*ret_vf_addr = TAKE_PTR(vf_addr);
	*ret_addr = TAKE_PTR(addr);
	*ret_ifname = TAKE_PTR(ifname);
	*ret_index = idx;
	return 0;
}

static void describe(const VfConfig *c, VfAttr a, char *buf, size_t len)
{
	char mac[ETHER_ADDR_STRLEN];

	switch (a) {
	case VF_ATTR_MAC:
		snprintf(buf, len, "%s", ether_addr_format(c->mac, mac));
		break;
	case VF_ATTR_VLAN:
		snprintf(buf, len, "%u qos %u", c->vlan, c->qos);
		break;
	case VF_ATTR_SPOOFCHK:
		snprintf(buf, len, "%s", c->spoofchk ? "on" : "off");
		break;
	case VF_ATTR_TRUST:
		snprintf(buf, len, "%s", c->trust ? "on" : "off");
		break;
	case VF_ATTR_LINK_STATE:
		snprintf(buf, len, "%s", vf_link_state_to_string(c->link_state) ?: "?");
		break;
	default:
		snprintf(buf, len, "%u Mbit/s", a == VF_ATTR_MIN_RATE ? c->min_rate : c->max_rate);
	}
}

static int apply_attrs(Rtnl *rtnl, const char *ifname, const VfConfig *want)
{
	int errors[_VF_ATTR_MAX], r, failed = 0;
	uint32_t sent = 0;

	/* Attributes that already hold are not sent (and said so). */
	r = rtnl_vf_apply_changes(rtnl, ifname, want, 1, errors, &sent);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl vf: setting VF %u of %s: %s\n", want->index, ifname, strerror(-r));
		return EXIT_FAILED;
	}
	for (VfAttr a = 0; a < _VF_ATTR_MAX; a++) {
		char buf[64];

		if (!(want->mask & VF_ATTR_BIT(a)))
			continue;
		describe(want, a, buf, sizeof(buf));
		if (!(sent & VF_ATTR_BIT(a)))
			printf("vf %u %s: already so\n", want->index, vf_attr_to_string(a));
		else if (errors[a] == 0)
			printf("vf %u %s: %s\n", want->index, vf_attr_to_string(a), buf);
		else {
			fprintf(stderr, "kvmnetctl vf: vf %u %s %s: refused by the driver of %s: %s\n", want->index,
				vf_attr_to_string(a), buf, ifname, strerror(-errors[a]));
			failed++;
		}
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* A new MAC or VLAN under a running guest cuts its network (the guest's
 * VF driver resets; the VLAN moves it to another segment; libvirt's XML
 * keeps the old MAC), so those two are refused on a VF a running VM
 * holds, and when libvirt cannot say, unless forced.  Rates, spoofchk,
 * trust and link state are what an operator changes under a running VM. */
static int check_not_held(const char *vf_addr, unsigned idx, bool force)
{
	_cleanup_free_ char *why = NULL;
	SriovHolder *holders = NULL;
	const char *vm = NULL;
	size_t n = 0;
	int r;

	if (force)
		return 0;
	r = cli_vf_holders(&holders, &n, &why);
	if (r < 0) {
		fprintf(stderr, "kvmnetctl vf: cannot tell which VMs hold VFs: %s; VF %u left as it is (--force sets the MAC or VLAN anyway)\n",
			why ?: strerror(-r), idx);
		return EXIT_FAILED;
	}
	r = vf_addr ? sriov_check_rebind(vf_addr, holders, n, &vm) : 0;
	if (r == -EBUSY)
		fprintf(stderr, "kvmnetctl vf: VF %u (%s) is held by running VM %s; a new MAC or VLAN would cut its network (--force to set it anyway)\n",
			idx, vf_addr, vm);
	cli_vf_holders_free(holders, n);
	return r == -EBUSY ? EXIT_FAILED : 0;
}

static int verb_set(int argc, char **argv, bool force)
{
	_cleanup_free_ char *addr = NULL, *ifname = NULL, *vf_addr = NULL;
	_cleanup_(rtnl_closep) Rtnl *rtnl = NULL;
	VfConfig want = {};
	unsigned idx;
	int r;

	if (argc < 2)
		return cli_usage_error("vf", "set: expected PF INDEX ATTRIBUTE VALUE...");
	r = parse_attrs(argc - 2, argv + 2, &want);
	if (r != 0)
		return r;
	r = resolve_vf(argv[0], argv[1], &addr, &ifname, &idx, &vf_addr);
	if (r != 0)
		return r;
	want.index = idx;
	if (want.mask & (VF_ATTR_BIT(VF_ATTR_MAC) | VF_ATTR_BIT(VF_ATTR_VLAN))) {
		r = check_not_held(vf_addr, idx, force);
		if (r != 0)
			return r;
	}
	if (!ifname) {
		fprintf(stderr, "kvmnetctl vf: PF %s (%s) has no netdev; is its driver bound?\n", argv[0], addr);
		return EXIT_FAILED;
	}
	r = cli_rtnl_open(&rtnl);
	if (r < 0 || !rtnl) {
		fprintf(stderr, "kvmnetctl vf: VF attributes live in the running kernel (rtnetlink)%s\n",
			r < 0 ? "" : "; KVMNET_SYSROOT points elsewhere");
		return EXIT_FAILED;
	}
	return apply_attrs(rtnl, ifname, &want);
}

static int verb_bind(int argc, char **argv, bool force)
{
	_cleanup_free_ char *addr = NULL, *ifname = NULL;
	SriovHolder *holders = NULL;
	_cleanup_free_ char *why = NULL;
	size_t n_holders = 0;
	SriovBindTarget t;
	SriovOptions o = { .force = force };
	SriovReport rep = {};
	unsigned idx;
	int r;

	if (argc != 3)
		return cli_usage_error("vf", "bind: expected PF INDEX vfio-pci|host|none");
	if (sriov_bind_target_from_string(argv[2], &t) < 0)
		return cli_usage_error("vf", "driver '%s': expected vfio-pci, host or none", argv[2]);
	r = resolve_vf(argv[0], argv[1], &addr, &ifname, &idx, NULL);
	if (r != 0)
		return r;
	r = cli_vf_holders(&holders, &n_holders, &why);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, "kvmnetctl vf: cannot tell which VMs hold VFs: %s; VF %u left as it is\n",
			why ?: "libvirt did not answer in time", idx);
		return EXIT_FAILED;
	}
	if (r < 0) {
		/* Rebinding a VF a VM holds would pull it from under the guest. */
		fprintf(stderr, "kvmnetctl vf: cannot tell which VMs hold VFs: libvirt at %s: %s\n", cli.uri,
			why ? why : strerror(-r));
		return EXIT_FAILED;
	}
	r = sriov_vf_bind(addr, (int)idx, t, holders, n_holders, &o, &rep);
	cli_vf_holders_free(holders, n_holders);
	if (r == 0 && !rep.done)
		printf("vf %u of %s is already bound to %s; nothing to do.\n", idx, argv[0], argv[2]);
	cli_print_report("vf", &rep);
	if (r < 0 && !rep.failed)
		fprintf(stderr, "kvmnetctl vf: binding VF %u of %s: %s\n", idx, argv[0], strerror(-r));
	sriov_report_done(&rep);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}

int cmd_vf(int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool force = false;
	const char *verb;
	int c;

	while ((c = getopt_long(argc, argv, "fh", options, NULL)) >= 0)
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("vf", "unknown option");
		}
	if (optind >= argc)
		return cli_usage_error("vf", "expected a verb: set or bind");
	verb = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (streq(verb, "set"))
		return verb_set(argc, argv, force);
	if (streq(verb, "bind"))
		return verb_bind(argc, argv, force);
	return cli_usage_error("vf", "unknown verb '%s'; expected set or bind", verb);
}
