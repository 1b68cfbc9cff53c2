/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "basic/fileio.h"
#include "basic/macro.h"
#include "host/procfs.h"

#define PROC_INTERRUPTS_MAX (256u << 20)
#define PROC_STAT_MAX (64u << 20)

int proc_interrupts_read(ProcInterrupts **ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file("/proc/interrupts", PROC_INTERRUPTS_MAX, &text, NULL);
	if (r < 0)
		return r;
	return proc_interrupts_parse(text, ret);
}

int proc_stat_read(ProcStat **ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file("/proc/stat", PROC_STAT_MAX, &text, NULL);
	if (r < 0)
		return r;
	return proc_stat_parse(text, ret);
}
