/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvmnetctl check: gather the host's facts through src/host, hand them to
 * the pure evaluators of src/core/checks.c, print the report.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"
#include "core/checks.h"
#include "host/cmdline.h"
#include "host/cpuinfo.h"
#include "host/devnode.h"
#include "host/iommu.h"
#include "host/kmod.h"
#include "host/netdev.h"
#include "host/pci.h"
#include "host/process.h"
#include "libvirt-job.h"
#include "host/sriov.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: kvmnetctl check [--json]\n"
		"\n"
		"Report whether this host is ready for fast VM networking: KVM, IOMMU,\n"
		"SR-IOV NICs, vfio-pci, vhost-net, tun, macvtap, irqbalance, libvirt.\n"
		"One line per check, PASS, INFO, WARN or FAIL; each WARN and FAIL\n"
		"names its fix.\n"
		"\n"
		"Options:\n"
		"  --json      print a JSON array of {id, subject, status, message, fix}\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status: 0 when nothing fails, 1 when a check fails, 2 on bad usage.\n");
}

static void gather_cpu(HostFacts *f)
{
	CpuInfo ci;
	int r = cpuinfo_read(&ci);

	if (r < 0) {
		log_debug_errno(r, "/proc/cpuinfo: %m");
		return;
	}
	f->cpuinfo_known = true;
	memcpy(f->cpu_vendor, ci.vendor_id, sizeof(f->cpu_vendor));
	f->cpu_vmx = ci.vmx;
	f->cpu_svm = ci.svm;
	f->cpu_hypervisor = ci.hypervisor;
}

static KmodState module_state(const char *name)
{
	KmodState st = KMOD_ABSENT;
	int r = kmod_state(name, &st);

	if (r < 0)
		log_debug_errno(r, "module %s: %m", name);
	return st;
}

static void node(const char *path, DevNodeFacts *ret)
{
	DevNode n;

	devnode_probe(path, &n);
	*ret = (DevNodeFacts){ .present = n.present, .is_char = n.is_char, .open_error = n.open_error };
}

static void gather_kvm(HostFacts *f)
{
	node("/dev/kvm", &f->kvm);
	f->kvm_api_version = -1;
	if (f->kvm.present && f->kvm.open_error == 0 && f->kvm.is_char) {
		int r = kvm_api_version(&f->kvm_api_version);

		if (r < 0)
			log_debug_errno(r, "/dev/kvm: KVM_GET_API_VERSION: %m");
	}
	f->kvm_intel = module_state("kvm_intel");
	f->kvm_amd = module_state("kvm_amd");
	f->kvm_pvm = module_state("kvm_pvm");
}

static int gather_cmdline(HostFacts *f)
{
	_cleanup_free_ char *line = NULL;
	int r = proc_cmdline_read(&line);

	if (r < 0) {
		log_debug_errno(r, "/proc/cmdline: %m");
		return 0;
	}
	f->cmdline_known = true;
	r = cmdline_get_key(line, "intel_iommu", &f->cmdline_intel_iommu);
	if (r == -ENOMEM)
		return r;
	r = cmdline_get_key(line, "amd_iommu", &f->cmdline_amd_iommu);
	if (r == -ENOMEM)
		return r;
	r = cmdline_get_key(line, "iommu", &f->cmdline_iommu);
	return r == -ENOMEM ? r : 0;
}

static void gather_iommu(HostFacts *f)
{
	IommuInfo i;

	iommu_read(&i);
	f->acpi_dmar = i.acpi_dmar;
	f->acpi_ivrs = i.acpi_ivrs;
	f->iommu_units = i.n_units;
	f->iommu_groups = i.n_groups;
}

static void gather_services(HostFacts *f)
{
	pid_t pid;
	int r;

	f->modules_supported = kmod_supported();
	f->vfio_pci = module_state("vfio-pci");
	f->vfio_pci_driver = pci_driver_registered("vfio-pci");
	node("/dev/vhost-net", &f->vhost_net);
	f->vhost_net_mod = module_state("vhost_net");
	node("/dev/net/tun", &f->tun);
	f->tun_mod = module_state("tun");
	f->macvtap_mod = module_state("macvtap");
	f->macvtap_class = netdev_macvtap_class();

	r = process_find_by_comm("irqbalance", &pid);
	if (r == -ESRCH)
		f->irqbalance_pid = 0;
	else if (r < 0) {
		log_debug_errno(r, "/proc: %m");
		f->irqbalance_pid = -1;
	} else {
		_cleanup_free_ char *sock = NULL;

		f->irqbalance_pid = pid;
		if (asprintf(&sock, "/run/irqbalance/irqbalance%d.sock", (int)pid) >= 0)
			f->irqbalance_socket = access_root(sock, F_OK) == 0;
	}
}

/* A VF's IOMMU group and its other members. */
static int gather_vf(const char *addr, int index, VfFacts *v)
{
	_cleanup_(pci_function_freep) PciFunction *pf = NULL;
	int r;

	*v = (VfFacts){ .index = index, .iommu_group = -1 };
	if (!addr)
		return 0;
	v->addr = strdup(addr);
	if (!v->addr)
		return -ENOMEM;
	r = pci_function_read(addr, &pf);
	if (r < 0) {
		log_debug_errno(r, "VF %s: %m", addr);
		return r == -ENOMEM ? r : 0;
	}
	v->iommu_group = pf->iommu_group;
	v->iommu_peers = TAKE_PTR(pf->iommu_peers);
	return 0;
}

static int gather_sriov(NicFacts *n)
{
	_cleanup_(sriov_pf_freep) SriovPf *pf = NULL;
	int r;

	n->totalvfs = n->numvfs = n->drivers_autoprobe = -1;
	r = sriov_pf_read(n->addr, &pf);
	if (r == -EOPNOTSUPP)
		return 0;
	if (r < 0)
		return r;
	n->sriov = true;
	n->totalvfs = pf->totalvfs;
	n->numvfs = pf->numvfs;
	n->drivers_autoprobe = pf->drivers_autoprobe;
	n->vfs = calloc(pf->n_vfs ?: 1, sizeof(VfFacts));
	if (!n->vfs)
		return -ENOMEM;
	for (size_t i = 0; i < pf->n_vfs; i++) {
		r = gather_vf(pf->vf_addrs[i], (int)i, &n->vfs[n->n_vfs]);
		n->n_vfs++;
		if (r < 0)
			return r;
	}
	return 0;
}

/* virtio-net keeps its netdev one level below the PCI function, so the
 * PCI function's net/ is empty: map names back through /sys/class/net. */
static int netdevs_of(const char *addr, char **const netdevs, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;

	STRV_FOREACH(d, netdevs) {
		_cleanup_free_ char *a = NULL;

		if (netdev_pci_addr(*d, &a) == 0 && streq(a, addr) && strv_extend(&l, *d) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

static int gather_nic(const PciFunction *p, char **const netdevs, NicFacts *n)
{
	*n = (NicFacts){
		.link_width = p->link_width,
		.max_link_width = p->max_link_width,
	};
	n->addr = strdup(p->addr);
	if (!n->addr)
		return -ENOMEM;
	if ((p->vendor && !(n->vendor = strdup(p->vendor))) || (p->device && !(n->device = strdup(p->device))) ||
	    (p->driver && !(n->driver = strdup(p->driver))) ||
	    (p->link_speed && !(n->link_speed = strdup(p->link_speed))) ||
	    (p->max_link_speed && !(n->max_link_speed = strdup(p->max_link_speed))))
		return -ENOMEM;
	if (netdevs_of(p->addr, netdevs, &n->netdevs) < 0)
		return -ENOMEM;
	return gather_sriov(n);
}

static int gather_nics(HostFacts *f)
{
	_cleanup_strv_free_ char **addrs = NULL, **netdevs = NULL;
	int r;

	r = pci_list_functions(&addrs);
	if (r < 0) {
		log_debug_errno(r, "/sys/bus/pci/devices: %m");
		return 0;
	}
	f->nics_known = true;
	if (netdev_list(&netdevs) < 0)
		netdevs = NULL;
	f->nics = calloc(strv_length(addrs) ?: 1, sizeof(NicFacts));
	if (!f->nics)
		return -ENOMEM;
	STRV_FOREACH(a, addrs) {
		_cleanup_(pci_function_freep) PciFunction *p = NULL;

		r = pci_function_read(*a, &p);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			log_debug_errno(r, "PCI function %s: %m", *a);
			continue;
		}
		/* VFs are checked through their PF. */
		if (!pci_function_is_network(p) || p->physfn)
			continue;
		r = gather_nic(p, netdevs, &f->nics[f->n_nics]);
		f->n_nics++;
		if (r < 0)
			return r;
	}
	return 0;
}

static int get_version(virConnectPtr c, void *payload, char **ret_error)
{
	if (virConnectGetLibVersion(c, payload) < 0)
		return virt_error_take(ret_error);
	return 0;
}

/* The libvirt fact: connect read-only and ask its version, within
 * --timeout.  Fails only on -ENOMEM. */
static int gather_libvirt(HostFacts *f)
{
	_cleanup_virt_job_ VirtJob *j = NULL;
	_cleanup_free_ char *err = NULL;
	unsigned long *v = calloc(1, sizeof(*v));
	int r;

	f->libvirt_uri = strdup(cli.uri);
	if (!f->libvirt_uri || !v) {
		free(v);
		return -ENOMEM;
	}
	r = virt_job_new(cli.uri, VIRT_CONN_READ_ONLY, cli.libvirt_timeout_us, v, free, &j);
	if (r < 0)
		return r;
	r = virt_job_last_step(j, get_version, &err);
	if (r >= 0) {
		f->libvirt_reachable = true;
		f->libvirt_version = *v;
		return 0;
	}
	if (r == -ETIMEDOUT) {
		f->libvirt_timed_out = true;
		cli_virt_timeout_note("check", "the libvirt check fails");
		f->libvirt_error = cli_virt_timeout_reason();
	} else
		f->libvirt_error = err ? TAKE_PTR(err) : strdup(strerror(-r));
	return f->libvirt_error ? 0 : -ENOMEM;
}

static int gather(HostFacts *f)
{
	int r;

	gather_cpu(f);
	gather_kvm(f);
	gather_iommu(f);
	r = gather_cmdline(f);
	if (r < 0)
		return r;
	r = gather_nics(f);
	if (r < 0)
		return r;
	gather_services(f);
	return gather_libvirt(f);
}

static int print_json(const CheckReport *rep)
{
	json_object *arr = json_object_new_array();

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < rep->n; i++) {
		const CheckResult *c = &rep->results[i];
		json_object *o = json_object_new_object();

		if (!o) {
			json_object_put(arr);
			return -ENOMEM;
		}
		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "subject", json_object_new_string(c->subject));
		json_object_object_add(o, "status", json_object_new_string(check_status_to_string(c->status)));
		json_object_object_add(o, "message", json_object_new_string(c->message));
		json_object_object_add(o, "fix", c->fix ? json_object_new_string(c->fix) : NULL);
		json_object_array_add(arr, o);
	}
	puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return 0;
}

static void print_text(const CheckReport *rep)
{
	size_t id_w = 2, subj_w = 7;

	for (size_t i = 0; i < rep->n; i++) {
		if (strlen(rep->results[i].id) > id_w)
			id_w = strlen(rep->results[i].id);
		if (strlen(rep->results[i].subject) > subj_w)
			subj_w = strlen(rep->results[i].subject);
	}
	for (size_t i = 0; i < rep->n; i++) {
		const CheckResult *c = &rep->results[i];

		printf("%s  %-*s  %-*s  %s\n", check_status_to_string(c->status), (int)id_w, c->id, (int)subj_w,
		       c->subject, c->message);
		if (c->fix)
			printf("      %*s  fix: %s\n", (int)(id_w + subj_w + 2), "", c->fix);
	}
}

static int parse_args(int argc, char **argv, bool *json)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			help(stdout);
			return 1;
		default:
			return cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
		}
	if (optind < argc)
		return cli_usage_error("check", "unexpected argument '%s'; check takes no arguments", argv[optind]);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	_cleanup_(host_facts_done) HostFacts facts = {};
	_cleanup_(check_report_done) CheckReport rep = {};
	bool json = false;
	int r;

	r = parse_args(argc, argv, &json);
	if (r == 1)
		return EXIT_OK;
	if (r != 0)
		return r;
	r = gather(&facts);
	if (r < 0)
		return log_error_errno(r, "check: gathering host facts: %m"), EXIT_FAILED;
	r = checks_run(&facts, &rep);
	if (r < 0)
		return log_error_errno(r, "check: %m"), EXIT_FAILED;
	if (json) {
		if (print_json(&rep) < 0)
			return log_error("check: out of memory"), EXIT_FAILED;
	} else
		print_text(&rep);
	return check_report_worst(&rep) == CHECK_FAIL ? EXIT_FAILED : EXIT_OK;
}
