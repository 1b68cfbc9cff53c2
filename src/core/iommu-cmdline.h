/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * The kernel command line the IOMMU needs (the source document's "open the
 * IOMMU in the grub menu"), and the edit of /etc/default/grub that makes it
 * stay.  Pure: texts in, texts out.
 *
 *   Intel (GenuineIntel):  intel_iommu=on  iommu=pt
 *   AMD (AuthenticAMD):    iommu=pt, and amd_iommu=off removed if given.
 *       The kernel has no amd_iommu=on (its parser knows fullflush, off,
 *       force_isolation...; "on" is reported as unknown): AMD-Vi is on
 *       unless turned off, so nothing is added for it.
 *   iommu=pt: DMA of host devices passes through untranslated, so only
 *       the VMs' devices pay for translation.
 * An iommu=off or intel_iommu=off already given is replaced, since the
 * last occurrence of a key wins in the kernel but not in every reader.
 */
typedef struct IommuChange {
	char **add;    /* "key=value" words to have, in order */
	char **remove; /* words to drop ("amd_iommu=off") */
} IommuChange;

/* What cmdline lacks for vendor_id; both lists empty (not NULL) when
 * nothing is missing.  -EOPNOTSUPP for a vendor that is neither. */
int iommu_change_for(const char *cmdline, const char *vendor_id, IommuChange *ret);
/* All words the IOMMU wants, whatever the command line says now. */
int iommu_change_full(const char *vendor_id, IommuChange *ret);
void iommu_change_done(IommuChange *c);
bool iommu_change_empty(const IommuChange *c);

/*
 * /etc/default/grub with the change applied to its GRUB_CMDLINE_LINUX (the
 * last assignment, as the shell reads it): a word with the same key is
 * replaced in place, a word to remove dropped, a new word appended; the
 * quoting ("...", '...' or none) and every other word and line are kept.
 * Without such a line, one is appended.  *ret_changed says whether the
 * text differs.  -EINVAL for a value the edit cannot keep intact (an
 * unterminated quote, $variables, backslashes, nested quotes).
 */
int grub_default_edit(const char *text, const IommuChange *c, char **ret, bool *ret_changed);
/* The last GRUB_CMDLINE_LINUX= line, without leading blanks; -ENOENT. */
int grub_default_line(const char *text, char **ret);
