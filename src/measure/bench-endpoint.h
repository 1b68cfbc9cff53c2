/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * The two ends of `kvmnetctl bench --from EP --to EP`: "host",
 * "vm:DOMAIN" or "vm:DOMAIN@IPV4".  Pure: strings in, values out.
 */

typedef enum BenchEpKind {
	BENCH_EP_HOST,
	BENCH_EP_VM,
} BenchEpKind;

#define BENCH_EP_DOMAIN_MAX 1024

typedef struct BenchEndpoint {
	BenchEpKind kind;
	char *spec;    /* as written, for labels and JSON */
	char *domain;  /* vm: the libvirt domain name */
	bool has_addr; /* vm: @IPV4 given */
	char addr[16]; /* vm: the IPv4 address as a canonical dotted quad */
} BenchEndpoint;

/* -EINVAL for anything else, with *ret_error saying what was expected
 * ("expected host, vm:DOMAIN or vm:DOMAIN@IPV4", "'x' after @ is not an
 * IPv4 address").  The domain is what lies between "vm:" and the last '@'
 * (libvirt allows '@' in names; such a domain needs its @IPV4), at most
 * BENCH_EP_DOMAIN_MAX bytes, without control characters. */
int bench_endpoint_parse(const char *s, BenchEndpoint *ret, char **ret_error);
/* NULL-safe; zeroes *e. */
void bench_endpoint_done(BenchEndpoint *e);

/* A pair that measures no network: host to host, or one domain to itself
 * (the guest's loopback).  -EINVAL with the reason. */
int bench_endpoints_check(const BenchEndpoint *from, const BenchEndpoint *to, char **ret_error);

/* "FROM->TO" from the specs as written: "vm:a->vm:b@10.0.0.2". */
char *bench_default_label(const BenchEndpoint *from, const BenchEndpoint *to);
