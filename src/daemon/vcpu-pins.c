/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libvirt/libvirt.h>

#include "core/irq-sample.h"
#include "daemon/vcpu-pins.h"
#include "virt/domains.h"

int daemon_vcpu_pinned_cpus(const DaemonContext *ctx, CpuSet *ret, char **ret_error)
{
	virConnectPtr conn = ctx->watch ? watch_conn(ctx->watch) : NULL;
	_cleanup_domain_list_ DomainList *doms = NULL;

	if (!conn)
		return -ENOTCONN;
	if (virt_domains_running(conn, &doms, ret_error) < 0)
		return -EIO;
	irq_vcpu_pinned_cpus(doms->defs, doms->n, ret);
	return 0;
}
