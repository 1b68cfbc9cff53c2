/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "host/rtnl-vf.h"
#include "act/sriov.h"

/* What the sriov and vf subcommands share. */

/* NAME (netdev or PCI address) to the PF's address and netdev (NULL when
 * the PF has none); prints the error, naming cmd and NAME, and returns
 * an exit status (EXIT_USAGE for a name that is no SR-IOV PF). */
int cli_resolve_pf(const char *cmd, const char *name, char **ret_addr, char **ret_ifname);

/* PCI functions held by running VMs (address -> domain), from every
 * running domain's hostdev interfaces and hostdevs at the -c URI.  When
 * libvirt cannot be asked, -errno and, in *ret_reason (may be NULL),
 * libvirt's message; -ETIMEDOUT and "libvirt URI did not answer within
 * N s" when it did not answer within --timeout.  VMs keep running while
 * libvirtd is down or stuck, so "no answer" never means "no holder". */
int cli_vf_holders(SriovHolder **ret, size_t *ret_n, char **ret_reason);
void cli_vf_holders_free(SriovHolder *h, size_t n);

/* The rtnetlink socket, or NULL (and 0) when $KVMNET_SYSROOT points at
 * another tree, whose netdevs the running kernel does not have. */
int cli_rtnl_open(Rtnl **ret);

/* One line per VF a plan would break: "VF 1 (addr): held by running VM x". */
void cli_print_blockers(const SriovPlan *plan, FILE *f);

/* Print what the engine did, failed and undid, to stderr. */
void cli_print_report(const char *cmd, const SriovReport *rep);

/* A decimal within [min, max]; prints "cmd: WHAT: expected ..." and
 * returns EXIT_USAGE otherwise, 0 on success. */
int cli_parse_uint(const char *cmd, const char *what, const char *s, unsigned min, unsigned max, unsigned *ret);
