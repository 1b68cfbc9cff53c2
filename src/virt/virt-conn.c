/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "basic/deadline.h"
#include "virt-conn.h"

static void silent_error_func(void *user_data, virErrorPtr error)
{
	/* The error stays in the thread's last-error slot for virt_error_take(). */
}

static void install_handler(void)
{
	/* Before libvirt is initialised its last-error slot is an unmade
	 * thread-local key (0, someone else's): virResetLastError() then
	 * frees another library's pointer.  virConnectOpen() would
	 * initialise it, but virt_conn_open() resets the error first. */
	if (virInitialize() < 0)
		return;
	virSetErrorFunc(NULL, silent_error_func);
}

void virt_errors_capture(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_handler);
}

static int error_to_errno(const virError *e)
{
	switch (e->code) {
	case VIR_ERR_SYSTEM_ERROR:
		/* virReportSystemError() puts the errno it saw in int1. */
		return e->int1 > 0 ? -e->int1 : -EIO;
	case VIR_ERR_NO_MEMORY:
		return -ENOMEM;
	case VIR_ERR_NO_DOMAIN:
	case VIR_ERR_NO_NETWORK:
		return -ENOENT;
	case VIR_ERR_AUTH_FAILED:
	case VIR_ERR_AUTH_CANCELLED:
	case VIR_ERR_AUTH_UNAVAILABLE:
	case VIR_ERR_OPERATION_DENIED:
	case VIR_ERR_ACCESS_DENIED:
		return -EACCES;
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return -EOPNOTSUPP;
	case VIR_ERR_XML_ERROR:
	case VIR_ERR_XML_DETAIL:
		return -EBADMSG;
	case VIR_ERR_OPERATION_TIMEOUT:
		return -ETIMEDOUT;
	case VIR_ERR_NO_CONNECT:
		return -ECONNREFUSED;
	case VIR_ERR_INVALID_ARG:
	case VIR_ERR_OPERATION_INVALID:
		return -EINVAL;
	case VIR_ERR_OPERATION_FAILED:
	default:
		return -EIO;
	}
}

int virt_error_take(char **ret_message)
{
	virErrorPtr e = virGetLastError();
	int r = e ? error_to_errno(e) : -EIO;

	if (ret_message) {
		const char *m = e && e->message ? e->message : "unknown libvirt error";

		*ret_message = strdup(m);
		if (!*ret_message)
			r = -ENOMEM;
	}
	virResetLastError();
	return r;
}

int virt_conn_open(const char *uri, VirtConnFlags flags, virConnectPtr *ret, char **ret_error)
{
	virConnectPtr c;

	virt_errors_capture();
	virResetLastError();
	if (flags & VIRT_CONN_READ_ONLY)
		c = virConnectOpenReadOnly(uri);
	else
		c = virConnectOpen(uri);
	if (!c)
		return virt_error_take(ret_error);
	*ret = c;
	return 0;
}

void virt_conn_close(virConnectPtr c)
{
	if (!c)
		return;
	virConnectClose(c);
	virResetLastError();
}

/* What a step's thread uses: after a timeout it is that thread's alone. */
typedef struct VirtWork {
	char *uri;
	VirtConnFlags flags;
	virConnectPtr conn;
	void *payload;
	void (*payload_free)(void *);
	VirtStepFn step; /* the step to run; NULL: close the connection */
	bool close_after;  /* and then close it, in the same thread */
	bool open_failed;  /* the last step failed at the open */
	int result;
	char *error;
} VirtWork;

struct VirtJob {
	VirtWork *work; /* NULL once a step ran out of time */
	bool limited;
	uint64_t left_us; /* of the time budget, when limited */
};

static void work_free(void *p)
{
	VirtWork *w = p;

	virt_conn_close(w->conn);
	if (w->payload_free)
		w->payload_free(w->payload);
	free(w->uri);
	free(w->error);
	free(w);
}

/* Returns 0 always: the step's own result, -ETIMEDOUT from libvirt
 * included, goes in w->result, so deadline_run()'s -ETIMEDOUT only ever
 * means that the thread was left behind. */
static int work_run(void *p)
{
	VirtWork *w = p;

	free(w->error);
	w->error = NULL;
	if (!w->step) {
		virt_conn_close(w->conn);
		w->conn = NULL;
		w->result = 0;
		return 0;
	}
	w->result = 0;
	if (!w->conn)
		w->result = virt_conn_open(w->uri, w->flags, &w->conn, &w->error);
	w->open_failed = w->result < 0;
	if (w->result >= 0)
		w->result = w->step(w->conn, w->payload, &w->error);
	if (w->close_after) {
		virt_conn_close(w->conn);
		w->conn = NULL;
	}
	/* libvirt's own timeouts ("cannot acquire state change lock") are
	 * not the job's: -ETIMEDOUT from a step means only that. */
	if (w->result == -ETIMEDOUT)
		w->result = -ETIME;
	return 0;
}

int virt_job_new(const char *uri, VirtConnFlags flags, uint64_t timeout_us, void *payload,
		 void (*payload_free)(void *), VirtJob **ret)
{
	VirtJob *j = calloc(1, sizeof(*j));
	VirtWork *w = calloc(1, sizeof(*w));

	if (!j || !w || (uri && !(w->uri = strdup(uri)))) {
		free(j);
		free(w);
		if (payload_free)
			payload_free(payload);
		return -ENOMEM;
	}
	w->flags = flags;
	w->payload = payload;
	w->payload_free = payload_free;
	*j = (VirtJob){ .work = w, .limited = timeout_us > 0, .left_us = timeout_us };
	*ret = j;
	return 0;
}

/* Run the work's current step within what is left of the budget. */
static int job_run(VirtJob *j)
{
	uint64_t start = now_monotonic_us(), spent;
	int r;

	if (!j->work)
		return -ETIMEDOUT;
	/* A budget used up still starts the thread: a close then happens
	 * there, never in the caller, with no wait for it. */
	r = deadline_run(work_run, j->work, work_free, j->limited ? start + j->left_us : DEADLINE_NEVER);
	if (r == -ETIMEDOUT) {
		j->work = NULL;
		j->left_us = 0;
		return r;
	}
	spent = now_monotonic_us() - start;
	j->left_us = spent < j->left_us ? j->left_us - spent : 0;
	return r < 0 ? r : j->work->result;
}

static int job_step(VirtJob *j, VirtStepFn step, bool close_after, char **ret_error)
{
	int r;

	if (ret_error)
		*ret_error = NULL;
	if (!j->work)
		return -ETIMEDOUT;
	j->work->step = step;
	j->work->close_after = close_after;
	r = job_run(j);
	if (r < 0 && r != -ETIMEDOUT && ret_error && j->work)
		*ret_error = TAKE_PTR(j->work->error);
	return r;
}

int virt_job_step(VirtJob *j, VirtStepFn step, char **ret_error)
{
	return job_step(j, step, false, ret_error);
}

int virt_job_last_step(VirtJob *j, VirtStepFn step, char **ret_error)
{
	return job_step(j, step, true, ret_error);
}

bool virt_job_timed_out(const VirtJob *j)
{
	return !j->work;
}

bool virt_job_connected(const VirtJob *j)
{
	return j->work && j->work->conn;
}

bool virt_job_open_failed(const VirtJob *j)
{
	return j->work && j->work->open_failed;
}

void virt_job_free(VirtJob *j)
{
	if (!j)
		return;
	if (j->work && j->work->conn) {
		j->work->step = NULL;
		(void)job_run(j);
	}
	/* Still ours (the close returned, or there was nothing to close). */
	if (j->work)
		work_free(j->work);
	free(j);
}

char *virt_timeout_reason(const char *uri, uint64_t timeout_us)
{
	char *s;

	if (asprintf(&s, "libvirt %s did not answer within %g s", uri ? uri : "default",
		     (double)timeout_us / 1e6) < 0)
		return NULL;
	return s;
}
