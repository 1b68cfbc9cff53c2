/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <libvirt/virterror.h>

#include "basic/macro.h"
#include "virt/migration.h"
#include "virt/virt-conn.h"

const char *virt_migration_state(int state, int reason)
{
	if (state == VIR_DOMAIN_PAUSED)
		switch (reason) {
		case VIR_DOMAIN_PAUSED_MIGRATION:
			return "paused for migration";
		case VIR_DOMAIN_PAUSED_POSTCOPY:
			return "paused in a post-copy migration";
		case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED:
			return "paused after a post-copy migration failed";
		default:
			return NULL;
		}
	if (state == VIR_DOMAIN_RUNNING)
		switch (reason) {
		case VIR_DOMAIN_RUNNING_POSTCOPY:
			return "running in a post-copy migration";
		case VIR_DOMAIN_RUNNING_POSTCOPY_FAILED:
			return "running after a post-copy migration failed";
		default:
			return NULL;
		}
	return NULL;
}

int virt_migration_job(int type, int operation, const char **ret_what)
{
	/* NONE, or COMPLETED/FAILED/CANCELLED: no job is running */
	if (type != VIR_DOMAIN_JOB_BOUNDED && type != VIR_DOMAIN_JOB_UNBOUNDED)
		return 0;
	switch (operation) {
	case VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT:
		*ret_what = "outgoing migration job";
		return 1;
	case VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN:
		*ret_what = "incoming migration job";
		return 1;
	case VIR_DOMAIN_JOB_OPERATION_START:
	case VIR_DOMAIN_JOB_OPERATION_SAVE:
	case VIR_DOMAIN_JOB_OPERATION_RESTORE:
	case VIR_DOMAIN_JOB_OPERATION_SNAPSHOT:
	case VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_REVERT:
	case VIR_DOMAIN_JOB_OPERATION_DUMP:
	case VIR_DOMAIN_JOB_OPERATION_BACKUP:
	case VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE:
		return 0;
	default:
		return -EBADMSG;
	}
}

static bool no_support(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->code == VIR_ERR_NO_SUPPORT;
}

/* QEMU's driver refuses job statistics on the destination while the
 * incoming migration job runs ("migration statistics are available only
 * on the source host"), also after the guest resumed there and before
 * libvirt has finished the migration: that refusal is the job's kind. */
static bool incoming_only(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->code == VIR_ERR_OPERATION_UNSUPPORTED;
}

/* The current job's type and operation (-1: not said); a driver with no
 * job API has none. */
static int job_read(virDomainPtr d, int *ret_type, int *ret_op, char **ret_msg)
{
	virTypedParameterPtr params = NULL;
	virDomainJobInfo info;
	int n = 0, type, op = -1;

	if (virDomainGetJobStats(d, &type, &params, &n, 0) == 0) {
		if (virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_OPERATION, &op) <= 0)
			op = -1;
		virTypedParamsFree(params, n);
		*ret_type = type;
		*ret_op = op;
		return 0;
	}
	if (incoming_only()) {
		virResetLastError();
		*ret_type = VIR_DOMAIN_JOB_UNBOUNDED;
		*ret_op = VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN;
		return 0;
	}
	if (!no_support())
		return virt_error_take(ret_msg);
	virResetLastError();
	/* Older drivers: a job, but not its kind. */
	if (virDomainGetJobInfo(d, &info) == 0) {
		*ret_type = info.type;
		*ret_op = -1;
		return 0;
	}
	if (!no_support())
		return virt_error_take(ret_msg);
	virResetLastError();
	*ret_type = VIR_DOMAIN_JOB_NONE;
	*ret_op = -1;
	return 0;
}

static int read_domain(virDomainPtr d, bool *ret_migrating, const char **ret_what, char **ret_cause)
{
	_cleanup_free_ char *msg = NULL;
	const char *what;
	int state, reason, type, op, r;

	if (virDomainGetState(d, &state, &reason, 0) < 0) {
		r = virt_error_take(&msg);
		return asprintf(ret_cause, "whether libvirt is migrating it: its state cannot be read: %s",
				msg ? msg : "?") < 0
			       ? -ENOMEM
			       : r;
	}
	/* On the destination an incoming domain waits paused: its job
	 * statistics are the source's to give. */
	what = virt_migration_state(state, reason);
	if (!what) {
		r = job_read(d, &type, &op, &msg);
		if (r < 0)
			return asprintf(ret_cause, "whether libvirt is migrating it: its job cannot be read: %s",
					msg ? msg : "?") < 0
				       ? -ENOMEM
				       : r;
		r = virt_migration_job(type, op, &what);
		if (r < 0)
			return asprintf(ret_cause, "whether libvirt is migrating it: libvirt reports a job (type %d) "
					"of a kind (%d) it does not say", type, op) < 0
				       ? -ENOMEM
				       : r;
	}
	*ret_migrating = what != NULL;
	*ret_what = what;
	return 0;
}

int virt_domain_migration(virConnectPtr c, const char *uuid, bool *ret_migrating, const char **ret_what,
			  char **ret_cause)
{
	_cleanup_free_ char *msg = NULL;
	virDomainPtr d;
	int r;

	d = virDomainLookupByUUIDString(c, uuid);
	if (!d) {
		r = virt_error_take(&msg);
		return asprintf(ret_cause, "whether libvirt is migrating it: %s", msg ? msg : "?") < 0 ? -ENOMEM : r;
	}
	r = read_domain(d, ret_migrating, ret_what, ret_cause);
	virDomainFree(d);
	return r;
}

int virt_domain_migrate_live(virConnectPtr c, const char *name, const char *dest_uri, const char *migrate_uri,
			     unsigned extra_flags, char **ret_error)
{
	virTypedParameterPtr params = NULL;
	virConnectPtr dc = NULL;
	virDomainPtr d = NULL, moved = NULL;
	int n = 0, max = 0, r;

	d = virDomainLookupByName(c, name);
	if (!d)
		return virt_error_take(ret_error);
	r = virt_conn_open(dest_uri, 0, &dc, ret_error);
	if (r < 0)
		goto out;
	if (migrate_uri && virTypedParamsAddString(&params, &n, &max, VIR_MIGRATE_PARAM_URI, migrate_uri) < 0) {
		r = virt_error_take(ret_error);
		goto out;
	}
	moved = virDomainMigrate3(d, dc, params, (unsigned)n, VIR_MIGRATE_LIVE | extra_flags);
	r = moved ? 0 : virt_error_take(ret_error);
out:
	if (moved)
		virDomainFree(moved);
	virTypedParamsFree(params, n);
	virt_conn_close(dc);
	virDomainFree(d);
	return r;
}
