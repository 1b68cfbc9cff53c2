/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "virt/virt-conn.h"

/*
 * kvmnetctl's libvirt work, bounded by --timeout: every subcommand that
 * asks libvirt does it through a VirtJob (virt/virt-conn.h) at cli.uri
 * with cli.libvirt_timeout_us, so a libvirtd that accepted the connection
 * and then stopped answering costs at most that long.  Showing commands
 * then say so once and show what the host tells without libvirt;
 * changing commands change nothing and exit 1.
 */

/* virt_job_new() at cli.uri with the --timeout budget; prints "kvmnetctl
 * CMD: out of memory" on failure.  payload is the job's, as there. */
int cli_virt_job(const char *cmd, VirtConnFlags flags, void *payload, void (*payload_free)(void *), VirtJob **ret);

/* virt_job_step() (virt_job_last_step() when last) that prints its
 * failure as "kvmnetctl CMD: ...": the open's as "cannot connect to URI:
 * MESSAGE", the step's as its message, and a timeout as "libvirt URI did
 * not answer within N s; ON_TIMEOUT" (ON_TIMEOUT may be NULL). */
int cli_virt_step(const char *cmd, VirtJob *j, VirtStepFn step, bool last, const char *on_timeout);

/* "libvirt URI did not answer within N s" for cli.uri and --timeout;
 * malloc'd, NULL when out of memory. */
char *cli_virt_timeout_reason(void);

/* One line on stderr: "kvmnetctl CMD: libvirt URI did not answer within
 * N s; CONSEQUENCE". */
void cli_virt_timeout_note(const char *cmd, const char *consequence);
