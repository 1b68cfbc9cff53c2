/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * Kernel module states and module lists.  Reading them is host/kmod.h:
 * loaded (/proc/modules, /sys/module/<m>/initstate), built
 * in (modules.builtin, or /sys/module/<m> without initstate on a kernel
 * without module support) or available to modprobe (modules.dep), for the
 * running kernel (/proc/sys/kernel/osrelease) under /lib/modules.
 */
typedef enum KmodState {
	KMOD_ABSENT,
	KMOD_AVAILABLE, /* in modules.dep, not loaded */
	KMOD_LOADED,
	KMOD_BUILTIN,
} KmodState;

const char *kmod_state_to_string(KmodState s);

/*
 * Whether a modules.dep or modules.builtin text lists the module: each line
 * starts with a path ".../vfio-pci.ko[.xz|.zst|.gz]", in modules.dep
 * followed by ':'.  /proc/modules lines start with the bare name.
 */
bool kmod_list_has(const char *text, const char *name);
