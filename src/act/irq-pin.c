/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "act/irq-pin.h"
#include "host/irq.h"

static bool inside(const CpuSet *eff, const CpuSet *set)
{
	CPUSET_FOREACH(cpu, eff)
		if (!cpuset_isset(set, (unsigned)cpu))
			return false;
	return cpuset_count(eff) > 0;
}

/* effective_affinity_list, polled for up to wait_ms: with a remapped or
 * process-context-movable vector it follows at once. */
static int read_effective(unsigned irq, const CpuSet *set, unsigned wait_ms, CpuSet *ret)
{
	const unsigned step_ms = 20;
	int r;

	for (unsigned waited = 0;; waited += step_ms) {
		r = irq_read_effective_affinity(irq, ret);
		if (r < 0 || inside(ret, set) || waited >= wait_ms)
			return r;
		(void)nanosleep(&(struct timespec){ .tv_nsec = step_ms * 1000 * 1000 }, NULL);
	}
}

int irq_pin(unsigned irq, const CpuSet *set, unsigned wait_ms, IrqPinResult *ret)
{
	IrqPinResult res = { 0 };
	CpuSet aff;
	int r;

	r = irq_write_affinity(irq, set);
	if (r < 0)
		return r;
	r = irq_read_affinity(irq, &aff);
	if (r < 0 || !cpuset_equal(&aff, set))
		return r < 0 ? r : -EIO;
	r = read_effective(irq, set, wait_ms, &res.effective);
	if (r < 0) {
		res.effect = IRQ_PIN_UNKNOWN;
		res.effective_error = r;
	} else
		res.effect = inside(&res.effective, set) ? IRQ_PIN_EFFECTIVE : IRQ_PIN_PENDING;
	*ret = res;
	return 0;
}

const char *irq_pin_hint(int r)
{
	switch (r) {
	case -EIO:
		return " (the kernel does not let this vector move: not movable, or booted with noirqaffinity)";
	case -EINVAL:
		return " (no CPU of the list is online, or the vector cannot use them)";
	case -ENOSPC:
		return " (no free interrupt vector left on those CPUs)";
	case -EACCES:
	case -EPERM:
		/* Managed vectors (multiqueue drivers that spread their own
		 * queues, as virtio-blk does) refuse with EPERM even for root. */
		return geteuid() == 0 ? " (a kernel-managed vector: its driver fixes its affinity)" : " (needs root)";
	default:
		return "";
	}
}
