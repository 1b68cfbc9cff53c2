/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Pressure stall information for memory (/proc/pressure/memory, kernels
 * from 4.20 built with CONFIG_PSI and not booted with psi=0):
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * avgN are percents of wall time over N seconds, total is microseconds.
 * Kernels before 5.13 print no "full" line for the CPU file; for memory
 * both lines have always been there, but a missing line is simply absent.
 */
typedef struct PsiLine {
	bool present;
	double avg10, avg60, avg300;
	uint64_t total_us;
} PsiLine;

typedef struct Psi {
	PsiLine some, full;
} Psi;

/* -EBADMSG without a well-formed "some" line; unknown lines and unknown
 * key=value pairs (later kernels may add some) are skipped. */
int psi_parse(const char *text, Psi *ret);
/* -ENOENT without PSI, -EOPNOTSUPP when it is compiled in but off. */
int psi_read_memory(Psi *ret);

typedef enum PsiKind {
	PSI_SOME,
	PSI_FULL,
} PsiKind;

/*
 * A PSI trigger (Documentation/accounting/psi.rst): the returned fd
 * signals POLLPRI when tasks stalled on memory for stall_us within any
 * window_us (window 500 ms to 10 s; unprivileged users need a multiple of
 * 2 s; -EINVAL otherwise).  POLLERR means the trigger is gone.  The fd
 * is O_CLOEXEC and O_NONBLOCK; close it to remove the trigger.
 * -EOPNOTSUPP when the file is not procfs (a fake root).
 */
int psi_trigger_open(PsiKind kind, uint64_t stall_us, uint64_t window_us, int *ret_fd);
/* The text written for a trigger, e.g. "some 150000 1000000"; -EINVAL for
 * a window or stall the kernel refuses. */
int psi_trigger_format(PsiKind kind, uint64_t stall_us, uint64_t window_us, char *buf, size_t size);
