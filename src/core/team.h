/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/domain-edit.h"
#include "model/domain-xml.h"

/*
 * `kvmnetctl vm team`: which interface of a persistent definition becomes
 * (or stops being) the persistent member of a failover pair, and the edit
 * that does it.  Pure: a parsed definition in, an IfaceEdit out.
 *
 * The persistent member is a virtio NIC with <teaming type='persistent'/>
 * and a user alias; the transient member is a VF (<interface
 * type='hostdev'>) with <teaming type='transient' persistent='ALIAS'/> and
 * the same MAC, which QEMU's failover and the guest's net_failover driver
 * require.  kvmnetd attaches that VF (src/daemon/apply.c).
 */

typedef struct TeamPlan {
	size_t index;	/* into DomainDef.ifaces */
	bool changes;	/* false: already as asked */
	char *alias;	/* the member's alias after the edit; NULL when it has none */
	IfaceEdit edit; /* edit.alias points into alias */
} TeamPlan;

/* The alias kvmnet gives a persistent member: KVMNET_ALIAS_PREFIX and the
 * MAC's hex digits, "ua-kvmnet-525400000b01".  -EINVAL for a malformed MAC. */
int team_alias_for_mac(const char *mac, char **ret);

/*
 * select: a MAC (any case) or an alias naming the interface, or NULL for
 * the one already teamed, else the first virtio NIC.  remove: undo
 * instead.  Refusals return -EINVAL with a sentence in *ret_error (no
 * virtio NIC, the chosen one not virtio or without a MAC, another one
 * already teamed, a transient member in the definition still pointing at
 * the alias to remove); -ENOENT when select names no interface.  A removal
 * with nothing teamed is not an error: changes is false.
 */
int team_plan(const DomainDef *d, const char *select, bool remove, TeamPlan *ret, char **ret_error);
void team_plan_done(TeamPlan *p);
