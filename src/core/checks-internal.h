/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by checks.c and checks-nic.c only. */

#include "checks.h"

typedef int (*host_check_fn)(const HostFacts *f, CheckReport *r);

/* Append a line; takes fix (malloc'd, NULL for PASS/INFO) in every case. */
int check_add(CheckReport *rep, const char *id, const char *subject, CheckStatus st, char *fix, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* asprintf that returns the string, NULL on OOM. */
char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool facts_intel(const HostFacts *f);
bool facts_amd(const HostFacts *f);

int check_nics(const HostFacts *f, CheckReport *r);
int check_sriov_nics(const HostFacts *f, CheckReport *r);
int check_vfio_pci(const HostFacts *f, CheckReport *r);
int check_vhost_net(const HostFacts *f, CheckReport *r);
int check_tun(const HostFacts *f, CheckReport *r);
int check_macvtap(const HostFacts *f, CheckReport *r);
int check_irqbalance(const HostFacts *f, CheckReport *r);
int check_libvirt(const HostFacts *f, CheckReport *r);
