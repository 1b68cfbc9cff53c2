/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses of every kvmnetctl subcommand, documented in kvmnetctl(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* the command ran and found or caused a failure */
	EXIT_USAGE = 2,	 /* bad arguments; nothing was changed */
};

/* Options that come before the subcommand. */
typedef struct CliGlobals {
	const char *uri; /* libvirt URI, from -c or $KVMNET_LIBVIRT_URI */
	/* How long a command waits for libvirt in all, from --timeout or
	 * $KVMNET_LIBVIRT_TIMEOUT; 0: no limit. */
	uint64_t libvirt_timeout_us;
} CliGlobals;

#define CLI_LIBVIRT_TIMEOUT_DEFAULT_US (10 * 1000000ULL)

extern CliGlobals cli;

/* Each subcommand gets argv starting at its own name, returns an exit
 * status and prints its own usage for --help. */
typedef int (*cmd_fn)(int argc, char **argv);

int cmd_check(int argc, char **argv);

int cmd_status(int argc, char **argv);
int cmd_irq(int argc, char **argv);
int cmd_tune(int argc, char **argv);
/* kvmnetctl tune iommu [--apply], in cmd-tune-iommu.c. */
int tune_iommu(bool apply);


int cmd_sriov(int argc, char **argv);
int cmd_vf(int argc, char **argv);
/* The persistence verbs of cmd_sriov, in cmd-sriov-persist.c. */
int sriov_verb_persist(int argc, char **argv, bool modprobe);
int sriov_verb_restore(int argc, char **argv);
int sriov_verb_unpersist(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_vm_apply(int argc, char **argv);  /* argv[0] is "apply" */
int cmd_vm_advise(int argc, char **argv); /* argv[0] is "advise" */
int cmd_vm_team(int argc, char **argv);   /* argv[0] is "team" */
int cmd_vm_balloon(int argc, char **argv); /* argv[0] is "balloon" */
int cmd_vm_migrate(int argc, char **argv); /* argv[0] is "migrate" */
int cmd_bench(int argc, char **argv);
int cmd_hook(int argc, char **argv);


/* For subcommands: report a bad argument and return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
