/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <libvirt/libvirt.h>

#include "basic/ether-addr.h"
#include "core/plan.h"
#include "daemon/journal.h"
#include "daemon/observe.h"

/*
 * Carrying out one action of a plan.  The journal is written ahead of
 * every change (originals before numvfs and driver_override move, the
 * attachment before the attach), and saved, so that a SIGKILL between
 * any two steps leaves a journal the next start can reconcile from.
 */
/* What the SR-IOV engine did for a SET_NUMVFS or a BIND_VFIO: the
 * kernel's answer apart from a journal that could not be saved, and how
 * long the change took (daemon/pf-record.h keeps both per PF). */
typedef struct ApplyOutcome {
	bool engine;	      /* the engine was asked: error and duration_us are its */
	bool changed;	      /* it wrote something (a VF already bound is not a bind) */
	int error;	      /* 0 or a negative errno */
	uint64_t duration_us; /* CLOCK_MONOTONIC */
	bool vf_policy_refused; /* SET_VF_MAC: the NIC refused the VM's policy; the VF was set back */
} ApplyOutcome;

typedef struct ApplyContext {
	virConnectPtr conn;
	Journal *journal;
	const char *state_dir;
	const Observation *obs;
	const Plan *plan;
	ApplyOutcome *outcome; /* filled when not NULL */
} ApplyContext;

/* 0 on success; on failure -errno and, in *ret_error, what failed. */
int apply_action(const ApplyContext *c, const PlanAction *a, char **ret_error);

/*
 * One PLAN_ATTACH in three steps, so that attaches can run side by side
 * (attach-run.c): begin and end touch the journal and run on the main
 * thread only; call is the libvirt request alone and may run on any
 * thread (a virConnectPtr is shared between threads; libvirt keeps each
 * thread's last error apart).  apply_action() does the three in a row.
 */
typedef struct ApplyAttach {
	char *uuid, *vm_name, *vf_addr, *alias; /* alias: the failover pair's, or NULL */
	char mac[ETHER_ADDR_STRLEN];
	PciAddr pf;
	unsigned vf;
	int vlan; /* the VM's policy's, 0: none (libvirt sets the VLAN at attach) */
} ApplyAttach;

/* The VF's address read now and the attachment written to the journal
 * and saved, ahead of the request; *ret is the caller's (end or free). */
int apply_attach_begin(const ApplyContext *c, const PlanAction *a, ApplyAttach *ret, char **ret_error);
/* The request itself: touches only *at and libvirt. */
int apply_attach_call(virConnectPtr conn, const ApplyAttach *at, char **ret_error);
/* After the call returned r: on failure the attachment leaves the
 * journal again.  Frees *at. */
void apply_attach_end(const ApplyContext *c, ApplyAttach *at, int r);
void apply_attach_free(ApplyAttach *at);
