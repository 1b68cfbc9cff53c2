/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "model/kmod.h"

/* False on kernels built without CONFIG_MODULES (no /proc/modules). */
bool kmod_supported(void);
/* name as modprobe takes it; '-' and '_' are the same. */
int kmod_state(const char *name, KmodState *ret);
