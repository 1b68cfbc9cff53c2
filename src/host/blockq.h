/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A block device's IO scheduler, /sys/block/<dev>/queue/scheduler:
 * "[mq-deadline] kyber bfq none" lists what this queue can use, the
 * bracketed one in use.  Legacy single-queue kernels (< 5.0) say
 * "noop [deadline] cfq"; a queue without a choice may say "none".
 */

/* available is a NULL-terminated strv; current is the bracketed name, or
 * the only name when there is one, else NULL.  -EINVAL for garbage (two brackets, empty
 * names, characters outside [A-Za-z0-9_-]). */
int blockq_parse_scheduler(const char *line, char **ret_current, char ***ret_available);
/* dev is a name under /sys/block ("vda", "nvme0n1"); -EINVAL for names
 * with '/' or "." / "..". */
int blockq_read_scheduler(const char *dev, char **ret_current, char ***ret_available);
int blockq_write_scheduler(const char *dev, const char *sched);
/* The source's "deadline": mq-deadline on blk-mq, deadline on the legacy
 * queue; NULL when the queue offers neither. */
const char *blockq_pick_deadline(char *const *available);
/* The scheduler file of dev, as a host path; ret malloc'd. */
int blockq_scheduler_path(const char *dev, char **ret);
