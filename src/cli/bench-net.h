/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Two network namespaces, "a" (192.0.2.1 on kb0) and "b" (192.0.2.2 on
 * kb1), joined one of three ways, for `kvmnetctl bench`.  Everything is
 * created inside namespaces of our own; the host's namespace is not
 * touched and the addresses (TEST-NET-1) never leave them. */

typedef enum BenchPath {
	BENCH_PATH_VETH,    /* a veth pair */
	BENCH_PATH_BRIDGE,  /* each end on a Linux bridge in a third namespace */
	BENCH_PATH_MACVLAN, /* two macvlans (mode bridge) on one lower device */
	_BENCH_PATH_MAX,
} BenchPath;

const char *bench_path_to_string(BenchPath p);
int bench_path_from_string(const char *s, BenchPath *ret);

#define BENCH_ADDR_A "192.0.2.1"
#define BENCH_ADDR_B "192.0.2.2"
#define BENCH_NS_MAX 64

typedef struct BenchNet {
	char ns[3][BENCH_NS_MAX]; /* a, b, and the middle one; "" if not made */
} BenchNet;

/* Names are "kvmnet-bench-PID-a" etc.; on failure what was made is
 * removed and *ret_error says which command failed and why. */
int bench_net_up(BenchPath p, BenchNet *ret, char **ret_error);
/* Delete the namespaces (and with them every link inside); NULL-safe. */
void bench_net_down(BenchNet *n);
