/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The check table and the host-wide evaluators.  Each evaluator looks at
 * HostFacts only and appends one line; the per-NIC ones live in
 * checks-nic.c.  Fixes name the exact kernel parameter, BIOS setting,
 * module or package, because the operator acts on them as written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "checks-internal.h"

#define GRUB_HOWTO "GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot"

const char *check_status_to_string(CheckStatus s)
{
	switch (s) {
	case CHECK_PASS:
		return "PASS";
	case CHECK_INFO:
		return "INFO";
	case CHECK_WARN:
		return "WARN";
	case CHECK_FAIL:
		return "FAIL";
	}
	return "?";
}

char *strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int check_add(CheckReport *rep, const char *id, const char *subject, CheckStatus st, char *fix, const char *fmt, ...)
{
	_cleanup_free_ char *fix_owned = fix, *msg = NULL, *subj = NULL;
	CheckResult *res;
	va_list ap;
	int r;

	/* A WARN or FAIL without its fix is a bug of the evaluator or OOM. */
	if (st >= CHECK_WARN && !fix)
		return -ENOMEM;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	subj = strdup(subject);
	if (!subj)
		return -ENOMEM;
	if (rep->n == rep->allocated) {
		size_t na = rep->allocated ? rep->allocated * 2 : 16;
		CheckResult *nr = realloc(rep->results, na * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		rep->results = nr;
		rep->allocated = na;
	}
	res = &rep->results[rep->n++];
	*res = (CheckResult){
		.id = id,
		.subject = TAKE_PTR(subj),
		.status = st,
		.message = TAKE_PTR(msg),
		.fix = st >= CHECK_WARN ? TAKE_PTR(fix_owned) : NULL,
	};
	return 0;
}

void check_report_done(CheckReport *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->results[i].subject);
		free(r->results[i].message);
		free(r->results[i].fix);
	}
	free(r->results);
	*r = (CheckReport){};
}

CheckStatus check_report_worst(const CheckReport *r)
{
	CheckStatus w = CHECK_PASS;

	for (size_t i = 0; i < r->n; i++)
		if (r->results[i].status > w)
			w = r->results[i].status;
	return w;
}

bool option_list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && strneq(p, word, n))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

bool facts_intel(const HostFacts *f)
{
	if (f->cpuinfo_known && f->cpu_vendor[0])
		return streq(f->cpu_vendor, "GenuineIntel");
	return f->acpi_dmar;
}

bool facts_amd(const HostFacts *f)
{
	if (f->cpuinfo_known && f->cpu_vendor[0])
		return streq(f->cpu_vendor, "AuthenticAMD") || streq(f->cpu_vendor, "HygonGenuine");
	return f->acpi_ivrs;
}

/* What turns hardware virtualization on, for this kind of host. */
static char *fix_hw_virt(const HostFacts *f)
{
	if (f->cpu_hypervisor)
		return strf("this host is itself a VM: enable nested virtualization on the outer host "
			    "(%s nested=1) and give this VM the host CPU model (QEMU -cpu host, libvirt "
			    "<cpu mode='host-passthrough'/>)",
			    facts_amd(f) ? "kvm_amd" : "kvm_intel");
	if (facts_amd(f))
		return strf("enable SVM Mode (AMD-V) in the BIOS/UEFI setup");
	if (facts_intel(f))
		return strf("enable Intel Virtualization Technology (VT-x) in the BIOS/UEFI setup");
	return strf("enable Intel VT-x or AMD SVM in the BIOS/UEFI setup");
}

static char *fix_kvm_module(const HostFacts *f)
{
	bool amd = f->cpu_svm;
	KmodState st = amd ? f->kvm_amd : f->kvm_intel;
	const char *mod = amd ? "kvm_amd" : "kvm_intel";

	if (f->cpuinfo_known && !f->cpu_vmx && !f->cpu_svm)
		return fix_hw_virt(f);
	if (st == KMOD_AVAILABLE)
		return strf("modprobe %s (and list it in /etc/modules-load.d/kvm.conf)", mod);
	if (st == KMOD_ABSENT)
		return strf("boot a kernel with KVM (CONFIG_KVM and CONFIG_%s; Debian: apt-get install linux-image-amd64)",
			    amd ? "KVM_AMD" : "KVM_INTEL");
	return strf("%s is there but no usable /dev/kvm: see 'dmesg | grep -i kvm' (\"disabled by bios\" means: %s)",
		    mod, amd ? "enable SVM Mode in the BIOS" : "enable VT-x in the BIOS");
}

static int check_kvm(const HostFacts *f, CheckReport *r)
{
	if (!f->kvm.present)
		return check_add(r, "kvm", "host", CHECK_FAIL, fix_kvm_module(f), "/dev/kvm is missing");
	if (f->kvm.open_error == -EACCES || f->kvm.open_error == -EPERM)
		return check_add(r, "kvm", "host", CHECK_FAIL,
				 strf("run as root, or add the user to the kvm group (usermod -aG kvm USER)"),
				 "/dev/kvm cannot be opened read-write: %s", strerror(-f->kvm.open_error));
	if (f->kvm.open_error != 0)
		return check_add(r, "kvm", "host", CHECK_FAIL, fix_kvm_module(f),
				 "/dev/kvm cannot be opened read-write: %s", strerror(-f->kvm.open_error));
	if (f->kvm_api_version > 0)
		return check_add(r, "kvm", "host", CHECK_PASS, NULL, "/dev/kvm opens read-write (KVM API %d)",
				 f->kvm_api_version);
	return check_add(r, "kvm", "host", CHECK_PASS, NULL, "/dev/kvm opens read-write");
}

static int check_cpu_virt(const HostFacts *f, CheckReport *r)
{
	bool kvm_ok = f->kvm.present && f->kvm.open_error == 0;

	if (!f->cpuinfo_known)
		return check_add(r, "cpu-virt", "host", CHECK_INFO, NULL, "CPU flags unknown (no flags line in /proc/cpuinfo)");
	if (f->cpu_vmx)
		return check_add(r, "cpu-virt", "host", CHECK_PASS, NULL, "CPU has Intel VT-x (vmx)");
	if (f->cpu_svm)
		return check_add(r, "cpu-virt", "host", CHECK_PASS, NULL, "CPU has AMD-V (svm)");
	if (kvm_ok)
		/* KVM without vmx/svm: a software backend such as kvm_pvm. */
		return check_add(r, "cpu-virt", "host", CHECK_WARN, fix_hw_virt(f),
				 "CPU has neither vmx nor svm%s, yet /dev/kvm opens: KVM here is not hardware-assisted%s",
				 f->cpu_hypervisor ? " (this host is a VM)" : "",
				 f->kvm_pvm == KMOD_LOADED || f->kvm_pvm == KMOD_BUILTIN
					 ? ": it comes from kvm_pvm"
					 : "");
	return check_add(r, "cpu-virt", "host", CHECK_FAIL, fix_hw_virt(f),
			 "CPU has neither vmx nor svm%s: hardware virtualization is off or absent",
			 f->cpu_hypervisor ? " (this host is a VM)" : "");
}

static char *fix_iommu_firmware(const HostFacts *f)
{
	if (f->cpu_hypervisor)
		return strf("this host is a VM: give it a virtual IOMMU (QEMU: -machine q35,kernel-irqchip=split "
			    "-device intel-iommu,intremap=on,caching-mode=on; libvirt: <iommu model='intel'/>)");
	if (facts_amd(f))
		return strf("enable IOMMU (AMD-Vi) in the BIOS/UEFI setup");
	if (facts_intel(f))
		return strf("enable VT-d (Intel Virtualization Technology for Directed I/O) in the BIOS/UEFI setup");
	return strf("enable VT-d (Intel) or IOMMU/AMD-Vi (AMD) in the BIOS/UEFI setup");
}

static int check_iommu_acpi(const HostFacts *f, CheckReport *r)
{
	if (f->acpi_dmar)
		return check_add(r, "iommu-acpi", "host", CHECK_PASS, NULL, "ACPI DMAR table present (Intel VT-d)");
	if (f->acpi_ivrs)
		return check_add(r, "iommu-acpi", "host", CHECK_PASS, NULL, "ACPI IVRS table present (AMD-Vi)");
	return check_add(r, "iommu-acpi", "host", CHECK_FAIL, fix_iommu_firmware(f),
			 "no ACPI DMAR or IVRS table: the firmware describes no IOMMU");
}

/* The first of iommu=off, intel_iommu=off, amd_iommu=off that is given. */
static const char *cmdline_iommu_off(const HostFacts *f)
{
	if (f->cmdline_iommu && option_list_has(f->cmdline_iommu, "off"))
		return "iommu=off";
	if (f->cmdline_intel_iommu && option_list_has(f->cmdline_intel_iommu, "off"))
		return "intel_iommu=off";
	if (f->cmdline_amd_iommu && option_list_has(f->cmdline_amd_iommu, "off"))
		return "amd_iommu=off";
	return NULL;
}

static int check_iommu_active(const HostFacts *f, CheckReport *r)
{
	const char *off = cmdline_iommu_off(f);
	char *fix;

	if (f->iommu_units > 0)
		return check_add(r, "iommu-active", "host", CHECK_PASS, NULL, "%d IOMMU unit(s) active, %d IOMMU group(s)",
				 f->iommu_units, f->iommu_groups < 0 ? 0 : f->iommu_groups);
	if (!f->acpi_dmar && !f->acpi_ivrs)
		fix = fix_iommu_firmware(f);
	else if (off)
		fix = strf("remove %s from the kernel command line (" GRUB_HOWTO ")", off);
	else if (facts_amd(f) || f->acpi_ivrs)
		fix = strf("boot a kernel with CONFIG_AMD_IOMMU and see 'dmesg | grep AMD-Vi' for why it stayed off");
	else
		fix = strf("add intel_iommu=on to the kernel command line (" GRUB_HOWTO ")");
	return check_add(r, "iommu-active", "host", CHECK_FAIL, fix, "no IOMMU active (/sys/class/iommu %s)",
			 f->iommu_units < 0 ? "missing" : "empty");
}

static int check_iommu_cmdline(const HostFacts *f, CheckReport *r)
{
	const char *off = cmdline_iommu_off(f);

	if (!f->cmdline_known)
		return check_add(r, "iommu-cmdline", "host", CHECK_INFO, NULL, "kernel command line unknown");
	if (off)
		return check_add(r, "iommu-cmdline", "host", CHECK_FAIL,
				 strf("remove %s from the kernel command line (" GRUB_HOWTO ")", off),
				 "%s turns the IOMMU off", off);
	if (facts_amd(f))
		/* The kernel has no amd_iommu=on: AMD-Vi is on unless turned off. */
		return check_add(r, "iommu-cmdline", "host", CHECK_PASS, NULL,
				 "AMD-Vi is on by default and no amd_iommu=off or iommu=off is given");
	if (!facts_intel(f))
		return check_add(r, "iommu-cmdline", "host", CHECK_INFO, NULL,
				 "CPU vendor unknown: cannot tell which IOMMU parameter applies");
	if (f->cmdline_intel_iommu && option_list_has(f->cmdline_intel_iommu, "on"))
		return check_add(r, "iommu-cmdline", "host", CHECK_PASS, NULL, "intel_iommu=%s", f->cmdline_intel_iommu);
	if (f->iommu_units > 0)
		return check_add(r, "iommu-cmdline", "host", CHECK_PASS, NULL,
				 "intel_iommu=on not given, but the kernel turned VT-d on by default");
	return check_add(r, "iommu-cmdline", "host", CHECK_WARN,
			 strf("add intel_iommu=on to the kernel command line (" GRUB_HOWTO ")"),
			 "intel_iommu=on not given");
}

static int check_iommu_pt(const HostFacts *f, CheckReport *r)
{
	if (!f->cmdline_known)
		return check_add(r, "iommu-pt", "host", CHECK_INFO, NULL, "kernel command line unknown");
	if (f->cmdline_iommu && option_list_has(f->cmdline_iommu, "pt"))
		return check_add(r, "iommu-pt", "host", CHECK_PASS, NULL,
				 "iommu=pt: host-owned devices skip IOMMU translation");
	return check_add(r, "iommu-pt", "host", CHECK_WARN,
			 strf("add iommu=pt to the kernel command line (" GRUB_HOWTO ")"),
			 "iommu=pt not given: the host's own DMA pays for IOMMU translation");
}

static const host_check_fn host_checks[] = {
	check_kvm,
	check_cpu_virt,
	check_iommu_acpi,
	check_iommu_active,
	check_iommu_cmdline,
	check_iommu_pt,
	check_nics,
	check_sriov_nics,
	check_vfio_pci,
	check_vhost_net,
	check_tun,
	check_macvtap,
	check_irqbalance,
	check_libvirt,
};

int checks_run(const HostFacts *f, CheckReport *report)
{
	for (size_t i = 0; i < ELEMENTSOF(host_checks); i++) {
		int r = host_checks[i](f, report);

		if (r < 0)
			return r;
	}
	return 0;
}

static void nic_facts_done(NicFacts *n)
{
	free(n->addr);
	strv_free(n->netdevs);
	free(n->vendor);
	free(n->device);
	free(n->driver);
	free(n->link_speed);
	free(n->max_link_speed);
	for (size_t i = 0; i < n->n_vfs; i++) {
		free(n->vfs[i].addr);
		strv_free(n->vfs[i].iommu_peers);
	}
	free(n->vfs);
}

void host_facts_done(HostFacts *f)
{
	free(f->cmdline_intel_iommu);
	free(f->cmdline_amd_iommu);
	free(f->cmdline_iommu);
	free(f->libvirt_uri);
	free(f->libvirt_error);
	for (size_t i = 0; i < f->n_nics; i++)
		nic_facts_done(&f->nics[i]);
	free(f->nics);
	*f = (HostFacts){};
}
