/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

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
