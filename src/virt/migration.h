/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

/*
 * Whether libvirt is migrating a domain, in or out, as libvirt itself
 * says it: the domain's state reason (paused for migration, which is also
 * how an incoming domain waits on the destination; running or paused in
 * post-copy) and its current job (virDomainGetJobStats: a job whose
 * operation is a migration).  kvmnetd leaves a migrating domain alone
 * (core/plan.h G1); what cannot be read is never "not migrating".
 */

/* Pure: a phrase ("paused for migration") when the state and its reason
 * say that a migration is under way, else NULL.  A reason saying that one
 * ended (running, migrated here; running, migration cancelled) is NULL. */
const char *virt_migration_state(int state, int reason);

/* Pure: from a current job's type and operation (VIR_DOMAIN_JOB_*,
 * VIR_DOMAIN_JOB_OPERATION_*; -1 when libvirt did not say): 1 and a
 * phrase in *ret_what for a migration job, 0 for no job (or one that
 * ended) or one of another kind, -EBADMSG for a job whose kind is not
 * said or not known: it may be a migration. */
int virt_migration_job(int type, int operation, const char **ret_what);

/* The domain (by UUID string): 0 and *ret_migrating, with *ret_what (a
 * static phrase) when it is migrating; or a negative errno and, in
 * *ret_cause, a malloc'd sentence saying what could not be read.  A
 * driver with no job API at all (VIR_ERR_NO_SUPPORT for both
 * virDomainGetJobStats and virDomainGetJobInfo, as libvirt's test driver)
 * has no migration job to show: its state reason alone tells. */
int virt_domain_migration(virConnectPtr c, const char *uuid, bool *ret_migrating, const char **ret_what,
			  char **ret_cause);

/* Live-migrate the domain name from c to dest_uri, managed by this
 * client as `virsh migrate --live` does (a connection to each end, the
 * caller's credentials on both): VIR_MIGRATE_LIVE plus extra_flags
 * (VIR_MIGRATE_PERSIST_DEST, VIR_MIGRATE_UNDEFINE_SOURCE...);
 * migrate_uri (may be NULL) is where the migration stream goes.  Waits
 * for the migration to end, however long it takes.  A negative errno and
 * libvirt's message in *ret_error on failure (the domain then runs on the
 * source still, as libvirt leaves it). */
int virt_domain_migrate_live(virConnectPtr c, const char *name, const char *dest_uri, const char *migrate_uri,
			     unsigned extra_flags, char **ret_error);
