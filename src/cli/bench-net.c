/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/string-util.h"
#include "bench-net.h"
#include "spawn.h"

static const char *const path_names[_BENCH_PATH_MAX] = {
	[BENCH_PATH_VETH] = "veth",
	[BENCH_PATH_BRIDGE] = "bridge",
	[BENCH_PATH_MACVLAN] = "macvlan",
};

const char *bench_path_to_string(BenchPath p)
{
	return p >= 0 && p < _BENCH_PATH_MAX ? path_names[p] : NULL;
}

int bench_path_from_string(const char *s, BenchPath *ret)
{
	for (int p = 0; s && p < _BENCH_PATH_MAX; p++)
		if (streq(s, path_names[p])) {
			*ret = p;
			return 0;
		}
	return -EINVAL;
}

/* Run "ip ARGS", ARGS formatted then split at spaces (names and
 * addresses here never contain one). */
_printf_(2, 3) static int ip(char **ret_error, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL, *err = NULL;
	char *argv[32] = { (char *)"ip" }, *save = NULL;
	size_t n = 1;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	_cleanup_free_ char *copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, " ", &save); t && n < ELEMENTSOF(argv) - 1; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	r = spawn_run(argv, 5000, NULL, &err);
	if (r == 0)
		return 0;
	if (ret_error && !*ret_error &&
	    asprintf(ret_error, "ip %s: %s", line, r > 0 ? first_line(err) ?: "?" : strerror(-r)) < 0)
		*ret_error = NULL;
	return r > 0 ? -EIO : r;
}

static int add_ns(BenchNet *n, int i, const char *suffix, char **ret_error)
{
	snprintf(n->ns[i], BENCH_NS_MAX, "kvmnet-bench-%d-%s", (int)getpid(), suffix);
	int r = ip(ret_error, "netns add %s", n->ns[i]);
	if (r < 0)
		n->ns[i][0] = 0;
	return r;
}

/* Address and bring up kb0 in a and kb1 in b, and lo in both. */
static int addresses(const BenchNet *n, char **e)
{
	int r;

	if ((r = ip(e, "-n %s addr add " BENCH_ADDR_A "/24 dev kb0", n->ns[0])) < 0 ||
	    (r = ip(e, "-n %s addr add " BENCH_ADDR_B "/24 dev kb1", n->ns[1])) < 0 ||
	    (r = ip(e, "-n %s link set kb0 up", n->ns[0])) < 0 || (r = ip(e, "-n %s link set kb1 up", n->ns[1])) < 0 ||
	    (r = ip(e, "-n %s link set lo up", n->ns[0])) < 0 || (r = ip(e, "-n %s link set lo up", n->ns[1])) < 0)
		return r;
	return 0;
}

static int bridge(const BenchNet *n, char **e)
{
	const char *m = n->ns[2];
	int r;

	if ((r = ip(e, "-n %s link add kbr type bridge", m)) < 0 || (r = ip(e, "-n %s link set kbr up", m)) < 0)
		return r;
	for (int i = 0; i < 2; i++)
		if ((r = ip(e, "-n %s link add p%d type veth peer name kb%d netns %s", m, i, i, n->ns[i])) < 0 ||
		    (r = ip(e, "-n %s link set p%d master kbr", m, i)) < 0 || (r = ip(e, "-n %s link set p%d up", m, i)) < 0)
			return r;
	return 0;
}

static int macvlan(const BenchNet *n, char **e)
{
	const char *m = n->ns[2];
	int r;

	/* A veth end as the lower device: this kernel may lack dummy. */
	if ((r = ip(e, "-n %s link add low0 type veth peer name low1", m)) < 0 ||
	    (r = ip(e, "-n %s link set low0 up", m)) < 0 || (r = ip(e, "-n %s link set low1 up", m)) < 0)
		return r;
	for (int i = 0; i < 2; i++)
		if ((r = ip(e, "-n %s link add kb%d link low0 type macvlan mode bridge", m, i)) < 0 ||
		    (r = ip(e, "-n %s link set kb%d netns %s", m, i, n->ns[i])) < 0)
			return r;
	return 0;
}

int bench_net_up(BenchPath p, BenchNet *ret, char **ret_error)
{
	BenchNet n = {};
	int r;

	if ((r = add_ns(&n, 0, "a", ret_error)) < 0 || (r = add_ns(&n, 1, "b", ret_error)) < 0 ||
	    (p != BENCH_PATH_VETH && (r = add_ns(&n, 2, "m", ret_error)) < 0))
		goto fail;
	if (p == BENCH_PATH_VETH)
		r = ip(ret_error, "-n %s link add kb0 type veth peer name kb1 netns %s", n.ns[0], n.ns[1]);
	else if (p == BENCH_PATH_BRIDGE)
		r = bridge(&n, ret_error);
	else
		r = macvlan(&n, ret_error);
	if (r < 0 || (r = addresses(&n, ret_error)) < 0)
		goto fail;
	*ret = n;
	return 0;
fail:
	bench_net_down(&n);
	return r;
}

void bench_net_down(BenchNet *n)
{
	if (!n)
		return;
	for (int i = 0; i < 3; i++)
		if (n->ns[i][0]) {
			char *argv[] = { (char *)"ip", (char *)"netns", (char *)"del", n->ns[i], NULL };

			/* Even after Ctrl-C: a namespace left behind is litter. */
			int saved = spawn_interrupted;
			spawn_interrupted = 0;
			spawn_run(argv, 5000, NULL, NULL);
			spawn_interrupted = saved;
			n->ns[i][0] = 0;
		}
}
