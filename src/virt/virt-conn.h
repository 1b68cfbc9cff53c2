/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "basic/macro.h"

/*
 * A libvirt connection whose errors come back to the caller instead of being
 * printed: libvirt's default handler writes every error to stderr, which
 * would put text in the middle of kvmnetctl's tables and kvmnetd's log.
 */

typedef enum VirtConnFlags {
	VIRT_CONN_READ_ONLY = 1 << 0, /* for status/check: needs no write access */
} VirtConnFlags;

/* Replace libvirt's print-everything error handler by a silent one, once per
 * process.  virt_conn_open() calls it; call it yourself before any other
 * libvirt call made without a connection. */
void virt_errors_capture(void);

/* Turn this thread's last libvirt error into a negative errno (-ENOENT for
 * no such domain, -EACCES for denied, the system errno where libvirt gives
 * one, -EIO otherwise) and reset it.  If ret_message is not NULL it gets a
 * malloc'd copy of libvirt's message ("unknown libvirt error" when libvirt
 * left none); it is the one output of this function that is written on the
 * error path, since the message is what the function is for. */
int virt_error_take(char **ret_message);

/* Open uri (NULL: libvirt's default).  On failure returns the negative errno
 * of virt_error_take() and, if ret_error is not NULL, stores its message
 * there (malloc'd, the caller frees it). */
int virt_conn_open(const char *uri, VirtConnFlags flags, virConnectPtr *ret, char **ret_error);

/* NULL-safe; drops our reference.  Errors on close are ignored: there is
 * nothing a caller can do about them. */
void virt_conn_close(virConnectPtr c);

DEFINE_TRIVIAL_CLEANUP_FUNC(virConnectPtr, virt_conn_close)
#define _cleanup_virconn_ _cleanup_(virt_conn_closep)

/*
 * libvirt work bounded in time.  libvirt's client waits for every reply
 * without a limit: a libvirtd that accepted the connection and then stopped
 * answering (SIGSTOPped, or stuck on a QEMU monitor) holds virConnectOpen()
 * and every call after it forever.  Keepalive does not help a short-lived
 * client: virConnectSetKeepAlive() needs an event loop that runs, and can
 * only be asked for after the open, which is itself what waits.
 *
 * A VirtJob runs each step in a thread (basic/deadline.h) and waits for
 * it within one budget of time for the whole job, open and close
 * included: the time spent waiting for libvirt, not the caller's own work
 * between steps.  When libvirt does not answer in time the step returns
 * -ETIMEDOUT, and the connection and
 * the payload stay with that thread, which frees them if its call ever
 * returns: the caller must not touch the payload again, and every later
 * step of the job returns -ETIMEDOUT at once.  (A timeout libvirt reports
 * itself, VIR_ERR_OPERATION_TIMEOUT, comes back as -ETIME with libvirt's
 * message.)  With no timeout (0) the steps run in the calling thread, as
 * plain calls.
 */
typedef struct VirtJob VirtJob;

/* One step: libvirt calls on c, results written into payload.  On failure
 * a negative errno and, in *ret_error, a malloc'd message (may stay NULL).
 * It runs in another thread: it must not print, nor use anything of the
 * caller's that is not in payload or lives until the process exits. */
typedef int (*VirtStepFn)(virConnectPtr c, void *payload, char **ret_error);

/* A job at uri (NULL: libvirt's default) whose steps and close may wait
 * timeout_us for libvirt in all (0: no limit).  payload (may be NULL)
 * is the job's from this call on, even when it fails; the job frees it
 * with payload_free (may be NULL).  Between steps that returned, the
 * caller may read and write it. */
int virt_job_new(const char *uri, VirtConnFlags flags, uint64_t timeout_us, void *payload,
		 void (*payload_free)(void *), VirtJob **ret);

/* Connect if not yet connected, then step(conn, payload).  Returns the
 * step's result, the open's negative errno (virt_conn_open()), or
 * -ETIMEDOUT when libvirt did not answer within the job's time (this step
 * or an earlier one).  On failure other than -ETIMEDOUT, *ret_error (if
 * ret_error is not NULL) gets libvirt's message, malloc'd, or NULL. */
int virt_job_step(VirtJob *j, VirtStepFn step, char **ret_error);

/* virt_job_step(), then the close, in the same thread: one thread less
 * for a job of one step.  A later step would connect again. */
int virt_job_last_step(VirtJob *j, VirtStepFn step, char **ret_error);

/* Whether a step ran out of time: the payload is then gone. */
bool virt_job_timed_out(const VirtJob *j);
/* Whether the job holds an open connection. */
bool virt_job_connected(const VirtJob *j);
/* Whether the last step failed at the open, not in the step itself. */
bool virt_job_open_failed(const VirtJob *j);

/* Close the connection within what is left of the job's time, and free
 * the job and its payload; after a timeout, only the job.  NULL-safe. */
void virt_job_free(VirtJob *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(VirtJob *, virt_job_free)
#define _cleanup_virt_job_ _cleanup_(virt_job_freep)

/* "libvirt URI did not answer within 10 s" (URI "default" when NULL),
 * malloc'd; NULL when out of memory. */
char *virt_timeout_reason(const char *uri, uint64_t timeout_us);
