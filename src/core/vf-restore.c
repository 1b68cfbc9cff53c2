/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "basic/macro.h"
#include "core/vf-restore.h"

void vf_restore_decide(const VfRestoreInput *in, VfRestore *ret)
{
	bool orig_vfio = in->orig_override && streq(in->orig_override, "vfio-pci");

	*ret = (VfRestore){ 0 };
	/* Unbinding vfio-pci under a running VM blocks until it lets go, and
	 * a MAC change would reach its guest: a held VF stays as it is. */
	if (in->held) {
		ret->held = true;
		return;
	}
	ret->set_mac = in->has_orig_mac && (!in->has_mac || memcmp(in->mac, in->orig_mac, 6) != 0);
	/* On vfio-pci only because kvmnetd put it there. */
	ret->unbind = !orig_vfio && in->driver && streq(in->driver, "vfio-pci");
	ret->set_override = !streq(in->override ?: "", in->orig_override ?: "");
	/* Whatever the kernel would bind with the original override: a named
	 * driver, or with autoprobe on the matching one; otherwise no driver,
	 * as the VF was born. */
	ret->probe = ret->unbind && (in->orig_override || in->autoprobe);
	ret->done = !ret->set_mac && !ret->unbind && !ret->set_override;
}
