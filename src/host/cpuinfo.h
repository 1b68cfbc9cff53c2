/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* The virtualization facts of /proc/cpuinfo (x86), from its first CPU. */
typedef struct CpuInfo {
	char vendor_id[16]; /* "GenuineIntel", "AuthenticAMD"; "" when absent */
	bool vmx;	    /* Intel VT-x */
	bool svm;	    /* AMD-V */
	bool hypervisor;    /* running inside a VM */
} CpuInfo;

/* -EINVAL when the text has no "flags" line (not x86, or garbage). */
int cpuinfo_parse(const char *text, CpuInfo *ret);
int cpuinfo_read(CpuInfo *ret);
