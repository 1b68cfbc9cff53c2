/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic/fileio.h"
#include "host/cmdline.h"

int proc_cmdline_read(char **ret)
{
	return read_one_line("/proc/cmdline", ret);
}
