/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The check evaluators, from HostFacts structs alone: no files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checks-facts.h"

static void test_ready(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;
	CheckReport rep = {};

	ready(&f);
	run(&f, &rep, "none");
	assert_int_equal(check_report_worst(&rep), CHECK_PASS);
	/* 6 host lines, 5 NIC lines, sriov-nics, 6 service lines. */
	assert_int_equal(rep.n, 18);
	assert_string_equal(rep.results[6].subject, PF " (enp3s0)");
	check_report_done(&rep);
}

static void test_kvm(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "kvm", CHECK_PASS, "KVM API 12", NULL);
	f.kvm.open_error = -EACCES;
	expect(&f, "kvm", CHECK_FAIL, "Permission denied", "kvm group");
	f.kvm = (DevNodeFacts){ .open_error = -ENOENT };
	f.kvm_intel = KMOD_AVAILABLE;
	expect(&f, "kvm", CHECK_FAIL, "missing", "modprobe kvm_intel");
	f.kvm_intel = KMOD_ABSENT;
	expect(&f, "kvm", CHECK_FAIL, "missing", "CONFIG_KVM_INTEL");
	f.kvm_intel = KMOD_LOADED;
	expect(&f, "kvm", CHECK_FAIL, "missing", "disabled by bios");
	f.cpu_vmx = false;
	expect(&f, "kvm", CHECK_FAIL, "missing", "Intel Virtualization Technology (VT-x) in the BIOS");
	f.cpu_hypervisor = true;
	expect(&f, "kvm", CHECK_FAIL, "missing", "kvm_intel nested=1");
	strcpy(f.cpu_vendor, "AuthenticAMD");
	f.cpu_hypervisor = false;
	expect(&f, "kvm", CHECK_FAIL, "missing", "SVM Mode");
	f.cpu_svm = true;
	f.kvm_amd = KMOD_AVAILABLE;
	expect(&f, "kvm", CHECK_FAIL, "missing", "modprobe kvm_amd");
	f.kvm = (DevNodeFacts){ .present = true, .is_char = true, .open_error = -ENXIO };
	expect(&f, "kvm", CHECK_FAIL, "cannot be opened", "modprobe kvm_amd");
}

static void test_cpu_virt(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "cpu-virt", CHECK_PASS, "vmx", NULL);
	f.cpu_vmx = false;
	f.cpu_svm = true;
	expect(&f, "cpu-virt", CHECK_PASS, "svm", NULL);
	f.cpu_svm = false;
	f.cpu_hypervisor = true;
	f.kvm_pvm = KMOD_BUILTIN;
	/* This machine: a VM without vmx whose /dev/kvm still opens. */
	expect(&f, "cpu-virt", CHECK_WARN, "kvm_pvm", "nested=1");
	f.kvm.present = false;
	expect(&f, "cpu-virt", CHECK_FAIL, "neither vmx nor svm (this host is a VM)", "host-passthrough");
	f.cpu_hypervisor = false;
	expect(&f, "cpu-virt", CHECK_FAIL, "neither", "VT-x) in the BIOS");
	f.cpuinfo_known = false;
	expect(&f, "cpu-virt", CHECK_INFO, "unknown", NULL);
}

static void test_iommu_acpi(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "iommu-acpi", CHECK_PASS, "DMAR", NULL);
	f.acpi_dmar = false;
	expect(&f, "iommu-acpi", CHECK_FAIL, "no ACPI", "VT-d");
	f.acpi_ivrs = true;
	expect(&f, "iommu-acpi", CHECK_PASS, "IVRS", NULL);
	f.acpi_ivrs = false;
	f.cpu_hypervisor = true;
	expect(&f, "iommu-acpi", CHECK_FAIL, "no ACPI", "intel-iommu,intremap=on");
	f.cpu_hypervisor = false;
	strcpy(f.cpu_vendor, "AuthenticAMD");
	expect(&f, "iommu-acpi", CHECK_FAIL, "no ACPI", "AMD-Vi");
}

static void test_iommu_active(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "iommu-active", CHECK_PASS, "1 IOMMU unit(s) active, 20", NULL);
	f.iommu_units = 0;
	free(f.cmdline_intel_iommu);
	f.cmdline_intel_iommu = NULL;
	expect(&f, "iommu-active", CHECK_FAIL, "empty", "add intel_iommu=on");
	f.cmdline_intel_iommu = strdup("off");
	expect(&f, "iommu-active", CHECK_FAIL, "empty", "remove intel_iommu=off");
	f.iommu_units = -1;
	f.acpi_dmar = false;
	expect(&f, "iommu-active", CHECK_FAIL, "missing", "BIOS");
	f.acpi_ivrs = true;
	strcpy(f.cpu_vendor, "AuthenticAMD");
	free(f.cmdline_intel_iommu);
	f.cmdline_intel_iommu = NULL;
	expect(&f, "iommu-active", CHECK_FAIL, "missing", "AMD-Vi");
}

static void test_iommu_cmdline(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "iommu-cmdline", CHECK_PASS, "intel_iommu=on", NULL);
	free(f.cmdline_intel_iommu);
	f.cmdline_intel_iommu = strdup("sm_on,on");
	expect(&f, "iommu-cmdline", CHECK_PASS, "intel_iommu=sm_on,on", NULL);
	free(f.cmdline_intel_iommu);
	f.cmdline_intel_iommu = NULL;
	expect(&f, "iommu-cmdline", CHECK_PASS, "by default", NULL);
	f.iommu_units = 0;
	expect(&f, "iommu-cmdline", CHECK_WARN, "not given", "add intel_iommu=on");
	free(f.cmdline_iommu);
	f.cmdline_iommu = strdup("off");
	expect(&f, "iommu-cmdline", CHECK_FAIL, "iommu=off turns", "remove iommu=off");
	free(f.cmdline_iommu);
	f.cmdline_iommu = NULL;
	strcpy(f.cpu_vendor, "AuthenticAMD");
	expect(&f, "iommu-cmdline", CHECK_PASS, "AMD-Vi is on by default", NULL);
	f.cmdline_amd_iommu = strdup("fullflush,off");
	expect(&f, "iommu-cmdline", CHECK_FAIL, "amd_iommu=off", "remove amd_iommu=off");
	f.cpu_vendor[0] = 0;
	f.acpi_dmar = false;
	free(f.cmdline_amd_iommu);
	f.cmdline_amd_iommu = NULL;
	expect(&f, "iommu-cmdline", CHECK_INFO, "vendor unknown", NULL);
	f.cmdline_known = false;
	expect(&f, "iommu-cmdline", CHECK_INFO, "unknown", NULL);
}

static void test_iommu_pt(void **state)
{
	_cleanup_(host_facts_done) HostFacts f;

	ready(&f);
	expect(&f, "iommu-pt", CHECK_PASS, "iommu=pt", NULL);
	free(f.cmdline_iommu);
	f.cmdline_iommu = strdup("nopt");
	expect(&f, "iommu-pt", CHECK_WARN, "not given", "add iommu=pt");
	free(f.cmdline_iommu);
	f.cmdline_iommu = NULL;
	expect(&f, "iommu-pt", CHECK_WARN, "not given", "add iommu=pt");
	f.cmdline_known = false;
	expect(&f, "iommu-pt", CHECK_INFO, "unknown", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready),
		cmocka_unit_test(test_kvm),
		cmocka_unit_test(test_cpu_virt),
		cmocka_unit_test(test_iommu_acpi),
		cmocka_unit_test(test_iommu_active),
		cmocka_unit_test(test_iommu_cmdline),
		cmocka_unit_test(test_iommu_pt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
