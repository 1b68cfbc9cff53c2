/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/virterror.h>

#include "basic/macro.h"
#include "basic/pci-addr.h"
#include "vf-attach.h"

static bool mac_valid(const char *mac)
{
	if (strlen(mac) != 17)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (mac[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)mac[i]))
			return false;
	}
	return true;
}

/* An alias libvirt accepts: "ua-" user aliases or its own "net0" style;
 * keep it to characters that need no XML escaping. */
static bool alias_valid(const char *a)
{
	if (isempty(a) || strlen(a) > 64)
		return false;
	for (; *a; a++)
		if (!isalnum((unsigned char)*a) && *a != '-' && *a != '_' && *a != '.')
			return false;
	return true;
}

int vf_interface_xml(const VfInterface *vf, char **ret)
{
	char *buf = NULL;
	size_t size = 0;
	PciAddr a;
	FILE *f;

	if (!vf->pci_addr || pci_addr_parse(vf->pci_addr, &a) < 0)
		return -EINVAL;
	if (vf->mac && !mac_valid(vf->mac))
		return -EINVAL;
	if (vf->vlan < 0 || vf->vlan > 4094)
		return -EINVAL;
	if (vf->teaming_persistent && !alias_valid(vf->teaming_persistent))
		return -EINVAL;
	if (vf->alias && !alias_valid(vf->alias))
		return -EINVAL;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fputs("<interface type='hostdev' managed='yes'>\n", f);
	if (vf->mac)
		fprintf(f, "  <mac address='%s'/>\n", vf->mac);
	fprintf(f,
		"  <source>\n"
		"    <address type='pci' domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
		"  </source>\n",
		a.domain, a.bus, a.slot, a.function);
	if (vf->vlan > 0)
		fprintf(f, "  <vlan>\n    <tag id='%d'/>\n  </vlan>\n", vf->vlan);
	if (vf->teaming_persistent)
		fprintf(f, "  <teaming type='transient' persistent='%s'/>\n", vf->teaming_persistent);
	if (vf->alias)
		fprintf(f, "  <alias name='%s'/>\n", vf->alias);
	fputs("</interface>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

static void take_error(char **ret_error)
{
	virErrorPtr e = virGetLastError();

	if (ret_error)
		*ret_error = strdup(e && e->message ? e->message : "unknown libvirt error");
}

typedef int (*device_op)(virDomainPtr, const char *, unsigned int);

static int vf_device_op(virDomainPtr dom, const VfInterface *vf, device_op op, char **ret_error)
{
	_cleanup_free_ char *xml = NULL;
	int r;

	r = vf_interface_xml(vf, &xml);
	if (r < 0)
		return r;
	if (op(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		bool missing = virGetLastErrorCode() == VIR_ERR_DEVICE_MISSING;

		take_error(ret_error);
		return missing ? -ENODEV : -EIO;
	}
	return 0;
}

int vf_attach(virDomainPtr dom, const VfInterface *vf, char **ret_error)
{
	return vf_device_op(dom, vf, virDomainAttachDeviceFlags, ret_error);
}

int vf_detach(virDomainPtr dom, const VfInterface *vf, char **ret_error)
{
	return vf_device_op(dom, vf, virDomainDetachDeviceFlags, ret_error);
}
