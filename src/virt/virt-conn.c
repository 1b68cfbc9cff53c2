/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <libvirt/virterror.h>

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
