/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The result of one `iperf3 -c ... -J` client run, as the receiver saw
 * it: end.sum_received.  For UDP, iperf3 before 3.11 (esnet/iperf pull
 * request 1174) gives only end.sum, the sender's rate and the loss; the
 * received rate is then the sender's less the loss.  Pure.  Returns 0; -EREMOTEIO when iperf3 reported an error, with its
 * text ("unable to connect to server: Connection refused") in
 * *ret_error; -EBADMSG when the text is not such a document (what went
 * wrong in *ret_error); -EFBIG over IPERF3_JSON_MAX. */
#define IPERF3_JSON_MAX ((size_t)32 << 20)

int iperf3_json_parse(const char *text, size_t len, bool udp, double *ret_bps, double *ret_lost_pct,
		      char **ret_error);
