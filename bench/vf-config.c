/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configure every VF of a PF (MAC, VLAN, spoofchk, trust) through kvmnet's
 * one rtnetlink socket, and through one `ip link set PF vf N ...` process
 * per VF as most agents do, in the same run; print the ratio (goal: >= 10).
 *
 *   vf-config PF [ROUNDS]        (root; exits 77 when PF has no VFs)
 *
 * Each round sets new values, so no path can skip work; the last round is
 * read back to check that both paths really configured the VFs.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "host/rtnl-vf.h"

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void round_config(VfConfig *c, uint32_t vf, int round)
{
	*c = (VfConfig){
		.index = vf,
		.mask = VF_ATTR_BIT(VF_ATTR_MAC) | VF_ATTR_BIT(VF_ATTR_VLAN) | VF_ATTR_BIT(VF_ATTR_SPOOFCHK) |
			VF_ATTR_BIT(VF_ATTR_TRUST),
		.mac = { 0x02, 0x6b, 0x76, (uint8_t)(round >> 8), (uint8_t)round, (uint8_t)vf },
		.vlan = (uint16_t)(10 + (round % 100)),
		.spoofchk = round % 2,
		.trust = round % 2,
	};
}

static int run_ip(const char *pf, const VfConfig *c)
{
	char idx[16], vlan[16], mac[ETHER_ADDR_STRLEN];
	char *argv[] = { "ip", "link", "set", (char *)pf, "vf", idx, "mac", mac, "vlan", vlan, "spoofchk",
			 c->spoofchk ? "on" : "off", "trust", c->trust ? "on" : "off", NULL };
	pid_t pid;
	int st;

	snprintf(idx, sizeof(idx), "%u", c->index);
	snprintf(vlan, sizeof(vlan), "%u", c->vlan);
	ether_addr_format(c->mac, mac);
	if (posix_spawnp(&pid, "ip", NULL, NULL, argv, environ) != 0)
		return -errno;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* The last round must be what the kernel reports now. */
static int verify(Rtnl *r, const char *pf, size_t n, int round)
{
	_cleanup_free_ VfConfig *have = NULL;
	size_t n_have = 0;

	if (rtnl_vf_read(r, pf, &have, &n_have) < 0 || n_have < n)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		VfConfig want;

		round_config(&want, (uint32_t)i, round);
		/* spoofchk/trust only where the driver reports them */
		want.mask &= have[i].mask | VF_ATTR_BIT(VF_ATTR_MAC) | VF_ATTR_BIT(VF_ATTR_VLAN);
		if (!vf_config_satisfied(&want, &have[i]))
			return -EIO;
	}
	return 0;
}

typedef struct Timing {
	double batched, per_vf, ip; /* ms per round */
} Timing;

static int bench_kvmnet(Rtnl *r, const char *pf, VfConfig *c, size_t n, int rounds, int first, bool batched,
			double *ret_ms)
{
	_cleanup_free_ int *errors = calloc(n * _VF_ATTR_MAX, sizeof(int));
	double t0 = now_ms();
	int e;

	if (!errors)
		return -ENOMEM;
	for (int k = first; k < first + rounds; k++) {
		for (size_t i = 0; i < n; i++)
			round_config(&c[i], (uint32_t)i, k);
		for (size_t i = 0; i < (batched ? 1 : n); i++) {
			e = batched ? rtnl_vf_apply(r, pf, c, n, errors) : rtnl_vf_apply(r, pf, &c[i], 1, errors);
			if (e != 0) {
				fprintf(stderr, "kvmnet: %s (%d attributes refused)\n", e < 0 ? strerror(-e) : "refused",
					e);
				return -EIO;
			}
		}
	}
	*ret_ms = (now_ms() - t0) / rounds;
	return 0;
}

static int bench_ip(const char *pf, size_t n, int rounds, int first, double *ret_ms)
{
	double t0 = now_ms();

	for (int k = first; k < first + rounds; k++)
		for (size_t i = 0; i < n; i++) {
			VfConfig c;

			round_config(&c, (uint32_t)i, k);
			if (run_ip(pf, &c) < 0) {
				fprintf(stderr, "ip link set %s vf %zu failed\n", pf, i);
				return -EIO;
			}
		}
	*ret_ms = (now_ms() - t0) / rounds;
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_(rtnl_closep) Rtnl *r = NULL;
	_cleanup_free_ VfConfig *vfs = NULL, *c = NULL;
	const char *pf = argc > 1 ? argv[1] : NULL;
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	size_t n = 0;
	Timing t;

	if (!pf || rounds < 1) {
		fprintf(stderr, "usage: vf-config PF [ROUNDS]\n");
		return 2;
	}
	if (rtnl_open(&r) < 0 || rtnl_vf_read(r, pf, &vfs, &n) < 0) {
		fprintf(stderr, "vf-config: cannot read the VFs of %s\n", pf);
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "vf-config: %s has no VFs; nothing to measure\n", pf);
		return 77;
	}
	c = calloc(n, sizeof(*c));
	if (!c)
		return 1;
	/* ip first, kvmnet last: each path's last round is then verified. */
	if (bench_ip(pf, n, rounds, 0, &t.ip) < 0 || verify(r, pf, n, rounds - 1) < 0)
		return 1;
	if (bench_kvmnet(r, pf, c, n, rounds, rounds, false, &t.per_vf) < 0 || verify(r, pf, n, 2 * rounds - 1) < 0)
		return 1;
	if (bench_kvmnet(r, pf, c, n, rounds, 2 * rounds, true, &t.batched) < 0 ||
	    verify(r, pf, n, 3 * rounds - 1) < 0)
		return 1;
	printf("vf-config: %s, %zu VFs, MAC+VLAN+spoofchk+trust, %d rounds each, ms per round (all VFs):\n", pf, n,
	       rounds);
	printf("  ip link set, one process per VF   %10.3f\n", t.ip);
	printf("  kvmnet, one message per VF        %10.3f  (%.1fx)\n", t.per_vf, t.ip / t.per_vf);
	printf("  kvmnet, all VFs in one message    %10.3f  (%.1fx)\n", t.batched, t.ip / t.batched);
	printf("ratio %.1f (goal >= 10: %s)\n", t.ip / t.batched, t.ip / t.batched >= 10 ? "met" : "NOT met");
	return 0;
}
