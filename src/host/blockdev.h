/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * From a VM disk's source to the disks whose queue carries its IO, under
 * /sys/block, for the IO scheduler:
 *   - a block device node (/dev/vda1, /dev/mapper/vg-lv, /dev/disk/by-id/...)
 *     by its device number (/sys/dev/block/MAJ:MIN), or, where the node is
 *     not a real device (a fake tree), by the name its symlinks lead to;
 *   - a regular file (a qcow2 image) by the device of its file system;
 *   - a partition (it has a "partition" attribute) to its parent disk;
 *   - a stacked device (device-mapper, md) to the disks under its slaves/,
 *     since its own queue has no scheduler ("none") and the IO is
 *     scheduled below.
 * Paths go through $KVMNET_SYSROOT.
 */

/* The /sys/block names for source, sorted, without duplicates.  -ENOENT
 * when source does not exist, -ENODEV when it is on no block device (a
 * network file system, tmpfs) or the device is not in /sys/block. */
int blockdev_disks_of(const char *source, char ***ret);
/* One block device name ("vda1", "dm-0") to its disks, as above. */
int blockdev_disks_of_name(const char *name, char ***ret);
