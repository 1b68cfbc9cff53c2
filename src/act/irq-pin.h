/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "basic/cpuset.h"

/*
 * Pinning one interrupt vector: the one way `kvmnetctl irq pin` and
 * kvmnetd's [irq] placement move a vector.  It writes
 * /proc/irq/N/smp_affinity_list, reads it back, and reads where the
 * vector really fires (effective_affinity_list), which on x86 without
 * interrupt remapping follows only at the vector's next interrupt.
 */
typedef enum IrqPinEffect {
	IRQ_PIN_EFFECTIVE, /* effective_affinity_list is inside the set */
	IRQ_PIN_PENDING,   /* still fires elsewhere: it moves at its next interrupt */
	IRQ_PIN_UNKNOWN,   /* effective_affinity_list could not be read */
} IrqPinEffect;

typedef struct IrqPinResult {
	IrqPinEffect effect;
	CpuSet effective;   /* when not IRQ_PIN_UNKNOWN */
	int effective_error; /* when IRQ_PIN_UNKNOWN: the read's -errno */
} IrqPinResult;

/*
 * Write set to irq's smp_affinity_list and read it back.  The kernel's
 * -errno when the write fails (irq_pin_hint() says what it means), -EIO
 * when it does not read back.  wait_ms bounds how long to poll for the
 * effective affinity to follow (0: read it once).
 */
int irq_pin(unsigned irq, const CpuSet *set, unsigned wait_ms, IrqPinResult *ret);

/* What a failed write's -errno means for a vector, for the message: "" when
 * nothing more is known. */
const char *irq_pin_hint(int r);
