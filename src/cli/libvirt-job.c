/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "commands.h"
#include "libvirt-job.h"

int cli_virt_job(const char *cmd, VirtConnFlags flags, void *payload, void (*payload_free)(void *), VirtJob **ret)
{
	int r = virt_job_new(cli.uri, flags, cli.libvirt_timeout_us, payload, payload_free, ret);

	if (r < 0)
		fprintf(stderr, "kvmnetctl %s: %s\n", cmd, strerror(-r));
	return r;
}

char *cli_virt_timeout_reason(void)
{
	return virt_timeout_reason(cli.uri, cli.libvirt_timeout_us);
}

void cli_virt_timeout_note(const char *cmd, const char *consequence)
{
	_cleanup_free_ char *why = cli_virt_timeout_reason();

	fprintf(stderr, "kvmnetctl %s: %s%s%s\n", cmd, why ? why : "libvirt did not answer in time",
		consequence ? "; " : "", consequence ? consequence : "");
}

int cli_virt_step(const char *cmd, VirtJob *j, VirtStepFn step, bool last, const char *on_timeout)
{
	_cleanup_free_ char *err = NULL;
	int r;

	r = last ? virt_job_last_step(j, step, &err) : virt_job_step(j, step, &err);
	if (r == -ETIMEDOUT)
		cli_virt_timeout_note(cmd, on_timeout);
	else if (r < 0 && virt_job_open_failed(j))
		fprintf(stderr, "kvmnetctl %s: cannot connect to %s: %s\n", cmd, cli.uri, err ? err : strerror(-r));
	else if (r < 0)
		fprintf(stderr, "kvmnetctl %s: %s\n", cmd, err ? err : strerror(-r));
	return r;
}
