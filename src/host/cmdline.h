/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "model/cmdline.h"

/* The kernel command line, $KVMNET_SYSROOT/proc/cmdline: the whole line,
 * without its newline. */
int proc_cmdline_read(char **ret);
