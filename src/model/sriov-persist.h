/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/vf-config.h"

/*
 * The wanted SR-IOV state of one PF as `kvmnetctl sriov persist` records
 * it and `restore` reads it at boot, in the words of the command line:
 *
 *   # comment
 *   pf 0000:01:00.0
 *   numvfs 4
 *   vf 0 mac 02:00:00:00:00:10 vlan 100 qos 3 spoofchk on trust off
 *        state auto min-rate 0 max-rate 0 bind vfio-pci      (one line)
 *
 * Every key after "vf N" is optional; absent ones are left as they are.
 */

typedef struct PersistVf {
	VfConfig attrs; /* attrs.index is N, attrs.mask what the line sets */
	char *bind;	/* "vfio-pci", "host", "none" or NULL */
} PersistVf;

typedef struct PersistPf {
	char *pf; /* canonical PCI address */
	int numvfs;
	PersistVf *vfs;
	size_t n_vfs;
} PersistPf;

void persist_pf_done(PersistPf *p);
/* Text as above, VFs in the order given. */
int persist_pf_format(const PersistPf *p, char **ret);
/* -EINVAL with *ret_line (1-based) at the first bad line; missing pf or
 * numvfs is line 0.  VF indexes must be below numvfs and unique. */
int persist_pf_parse(const char *text, PersistPf *ret, unsigned *ret_line);

/* 64-bit FNV-1a, as hex in the manifest: "has the admin changed the file
 * kvmnet wrote?" — not a security measure. */
unsigned long long persist_hash(const char *data, size_t len);

/* The attribute words of `vf set` (and of a "vf N" line, where "bind X"
 * is allowed too) into v, adding to what it holds.  -EINVAL with
 * *ret_error (malloc'd) naming the word and what was expected. */
int vf_words_parse(char *const *words, size_t n, bool allow_bind, PersistVf *v, char **ret_error);

/* One word of an ExecStart= line as systemd.service(5) splits it, so that
 * systemd runs exactly `word`: "%" as "%%" (specifiers), "$" as "$$"
 * (environment variables), and, when it holds whitespace, a quote or a
 * backslash, the word in double quotes with \ and " escaped (the C-style
 * escapes systemd.syntax(7) decodes).  -EINVAL for a control character
 * (systemd would read an escape or a line break) or an empty word. */
int systemd_exec_word(const char *word, char **ret);

/* The text of kvmnet-sriov.service, which runs `EXE sriov restore` at
 * boot.  exe must be absolute (-EINVAL otherwise, or what
 * systemd_exec_word() refuses). */
int persist_unit_format(const char *exe, char **ret);
