/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/virterror.h>

#include "basic/macro.h"
#include "model/vf-policy.h"
#include "virt/metadata.h"
#include "virt/vf-policy-read.h"
#include "virt/virt-conn.h"

static int cause(char **ret_cause, const char *prefix, const char *what)
{
	if (ret_cause && asprintf(ret_cause, "%s%s", prefix, what ? what : "unknown error") < 0)
		*ret_cause = NULL;
	return 0;
}

/* The element, or NULL with 0 when the domain has none. */
static int get_element(virConnectPtr c, const char *uuid, char **ret, char **ret_cause)
{
	_cleanup_free_ char *msg = NULL;
	virDomainPtr d = virDomainLookupByUUIDString(c, uuid);
	virErrorPtr e;
	int r = 0;

	if (!d) {
		r = virt_error_take(&msg);
		cause(ret_cause, "kvmnet metadata unreadable: ", msg);
		return r;
	}
	*ret = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, KVMNET_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE);
	if (!*ret) {
		e = virGetLastError();
		if (!e || e->code != VIR_ERR_NO_DOMAIN_METADATA) {
			cause(ret_cause, "kvmnet metadata unreadable: ", e ? e->message : NULL);
			virResetLastError();
			r = virDomainIsActive(d) == 0 ? -ENOENT : -EIO;
		}
		virResetLastError();
	}
	virDomainFree(d);
	return r;
}

int virt_domain_vf_policy(virConnectPtr c, const char *uuid, VfConfig *ret, char **ret_cause)
{
	_cleanup_free_ char *xml = NULL, *why = NULL;
	VfConfig policy = {};
	int r;

	r = get_element(c, uuid, &xml, ret_cause);
	if (r < 0)
		return r;
	if (xml && vf_policy_parse(xml, &policy, &why) < 0) {
		cause(ret_cause, "its kvmnet metadata's VF policy does not parse: ", why ? why : "out of memory");
		return -EBADMSG;
	}
	*ret = policy;
	return 0;
}
