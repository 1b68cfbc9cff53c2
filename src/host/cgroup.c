/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "host/cgroup.h"

#define V2_ROOT "/sys/fs/cgroup"
#define V1_MEMORY "/sys/fs/cgroup/memory"
#define V1_BLKIO "/sys/fs/cgroup/blkio"
/* libvirt's tree below the VM: libvirt/{emulator,vcpuN,iothreadN}. */
#define DEPTH_MAX 3
#define DEVFILE_MAX (64 * 1024)
#define IO_MAX_LIFTED "rbps=max wbps=max riops=max wiops=max"

void cgroup_paths_done(CgroupPaths *p)
{
	free(p->unified);
	free(p->memory);
	free(p->blkio);
	*p = (CgroupPaths){};
}

/* "memory" among the comma-separated controllers "cpu,memory". */
static bool has_controller(const char *list, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p < list + len;) {
		const char *comma = memchr(p, ',', (size_t)(list + len - p));
		size_t l = comma ? (size_t)(comma - p) : (size_t)(list + len - p);

		if (l == n && strneq(p, name, n))
			return true;
		p += l + 1;
	}
	return false;
}

static int set_path(char **field, const char *path)
{
	char *s;

	if (*field)
		return 0; /* the first line wins; the kernel lists each once */
	s = strdup(path);
	if (!s)
		return -ENOMEM;
	*field = s;
	return 0;
}

/* "ID:CONTROLLERS:PATH"; the path may itself hold ':'. */
static int parse_line(const char *line, CgroupPaths *p, bool *ret_ok)
{
	const char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *path;
	int r = 0;

	*ret_ok = false;
	if (!c1 || !c2 || c1 == line || c2[1] != '/')
		return 0;
	for (const char *q = line; q < c1; q++)
		if (*q < '0' || *q > '9')
			return 0;
	path = c2 + 1;
	*ret_ok = true;
	if (c2 == c1 + 1 && strneq(line, "0:", 2))
		r = set_path(&p->unified, path);
	if (r >= 0 && has_controller(c1 + 1, (size_t)(c2 - c1 - 1), "memory"))
		r = set_path(&p->memory, path);
	if (r >= 0 && has_controller(c1 + 1, (size_t)(c2 - c1 - 1), "blkio"))
		r = set_path(&p->blkio, path);
	return r;
}

int cgroup_parse_proc(const char *text, CgroupPaths *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	CgroupPaths p = {};
	bool any = false;

	if (!copy)
		return -ENOMEM;
	for (char *line = copy, *next; line && *line; line = next) {
		bool ok;
		int r;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		r = parse_line(line, &p, &ok);
		if (r < 0) {
			cgroup_paths_done(&p);
			return r;
		}
		any = any || ok;
	}
	if (!any)
		return -EBADMSG;
	*ret = p;
	return 0;
}

int cgroup_read_pid(pid_t pid, CgroupPaths *ret)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = read_full_file(path, DEVFILE_MAX, &text, NULL);
	if (r < 0)
		return r;
	return cgroup_parse_proc(text, ret);
}

static bool vm_component(const char *c, size_t n)
{
	static const char scope[] = ".scope", lq[] = ".libvirt-qemu";

	if (n > strlen(scope) + 8 && strneq(c, "machine-", 8) && strneq(c + n - strlen(scope), scope, strlen(scope)))
		return true;
	return n > strlen(lq) && strneq(c + n - strlen(lq), lq, strlen(lq));
}

int cgroup_vm_root(const char *path, char **ret)
{
	size_t end = 0;

	if (!path || path[0] != '/')
		return -EINVAL;
	for (const char *p = path + 1; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && strneq(p, "..", 2))
			return -EINVAL;
		if (vm_component(p, n))
			end = (size_t)(p - path) + n;
		p += n + (p[n] == '/');
	}
	if (end == 0)
		return -ENOENT;
	*ret = strndup(path, end);
	return *ret ? 0 : -ENOMEM;
}

int qemu_pid_of_domain(const char *name, pid_t *ret)
{
	char path[PATH_MAX];
	int pid, r;

	if (isempty(name) || strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name);
	r = read_int_file(path, &pid);
	if (r < 0)
		return r;
	if (pid <= 0)
		return -EBADMSG;
	*ret = (pid_t)pid;
	return 0;
}

int qemu_running_domains(char ***ret)
{
	_cleanup_strv_free_ char **entries = NULL, **names = NULL;
	int r;

	r = list_dir("/run/libvirt/qemu", NULL, &entries);
	if (r < 0 && r != -ENOENT)
		return r;
	STRV_FOREACH(e, entries) {
		size_t n = strlen(*e);

		if (n > 4 && streq(*e + n - 4, ".pid")) {
			_cleanup_free_ char *name = strndup(*e, n - 4);

			if (!name || strv_extend(&names, name) < 0)
				return -ENOMEM;
		}
	}
	if (!names && !(names = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = TAKE_PTR(names);
	return 0;
}

/* One file holding a single limit: a knob unless it is lifted already. */
static int add_plain(TuneKnobs *ks, TuneKnobKind kind, const char *name, const char *dir, const char *file,
		     const char *want)
{
	_cleanup_free_ char *path = NULL, *label = NULL, *now = NULL;
	TuneKnob probe;
	int r;

	if (asprintf(&path, "%s/%s", dir, file) < 0 || asprintf(&label, "cgroup %s %s", name, file) < 0)
		return -ENOMEM;
	probe = (TuneKnob){ .path = path, .key = path, .want = (char *)want, .kind = kind };
	r = tune_knob_read(&probe, &now);
	if (r == -ENOENT)
		return 0; /* no such controller here */
	if (r < 0)
		return r; /* unreadable is not "nothing to lift" */
	if (tune_knob_satisfied(&probe, now))
		return 0;
	return tune_knobs_add(ks, kind, label, path, NULL, want);
}

/* Every device line of io.max or a blkio throttle file not yet lifted. */
static int add_devlines(TuneKnobs *ks, const char *name, const char *dir, const char *file, const char *want)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int r;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	r = read_full_file(path, DEVFILE_MAX, &text, NULL);
	if (r == -ENOENT)
		return 0; /* no such controller here */
	if (r < 0)
		return r;
	for (char *line = text, *next; line && *line; line = next) {
		_cleanup_free_ char *label = NULL;
		char dev[32], *sp;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		sp = strchr(line, ' ');
		if (!sp || (size_t)(sp - line) >= sizeof(dev) || streq(strstrip(sp + 1), want))
			continue;
		memcpy(dev, line, (size_t)(sp - line));
		dev[sp - line] = 0;
		if (asprintf(&label, "cgroup %s %s %s", name, file, dev) < 0)
			return -ENOMEM;
		r = tune_knobs_add(ks, TUNE_KNOB_DEVLINE, label, path, dev, want);
		if (r < 0)
			return r;
	}
	return 0;
}

static int lift_v2(TuneKnobs *ks, const char *name, const char *dir)
{
	int r;

	r = add_plain(ks, TUNE_KNOB_PLAIN, name, dir, "memory.high", "max");
	if (r >= 0)
		r = add_plain(ks, TUNE_KNOB_PLAIN, name, dir, "memory.max", "max");
	if (r >= 0)
		r = add_devlines(ks, name, dir, "io.max", IO_MAX_LIFTED);
	return r;
}

static int lift_v1_memory(TuneKnobs *ks, const char *name, const char *dir)
{
	int r;

	r = add_plain(ks, TUNE_KNOB_V1_LIMIT, name, dir, "memory.memsw.limit_in_bytes", "-1");
	if (r >= 0)
		r = add_plain(ks, TUNE_KNOB_V1_LIMIT, name, dir, "memory.limit_in_bytes", "-1");
	return r;
}

static int lift_v1_blkio(TuneKnobs *ks, const char *name, const char *dir)
{
	static const char *const files[] = {
		"blkio.throttle.read_bps_device",
		"blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device",
		"blkio.throttle.write_iops_device",
	};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		int r = add_devlines(ks, name, dir, files[i], "0");

		if (r < 0)
			return r;
	}
	return 0;
}

typedef int (*lift_fn)(TuneKnobs *ks, const char *name, const char *dir);

/* dir and the directories below it, parents first. */
static int walk(TuneKnobs *ks, const char *name, const char *dir, unsigned depth, lift_fn fn)
{
	_cleanup_strv_free_ char **entries = NULL;
	int r;

	r = fn(ks, name, dir);
	if (r < 0 || depth >= DEPTH_MAX)
		return r;
	r = list_dir(dir, NULL, &entries);
	if (r < 0)
		return r == -ENOENT ? 0 : r; /* gone meanwhile: nothing below */
	STRV_FOREACH(e, entries) {
		_cleanup_free_ char *sub = NULL, *probe = NULL;

		if (asprintf(&sub, "%s/%s", dir, *e) < 0 || asprintf(&probe, "%s/cgroup.procs", sub) < 0)
			return -ENOMEM;
		/* Only child cgroups: every cgroup directory has cgroup.procs. */
		if (access_root(probe, F_OK) < 0)
			continue;
		r = walk(ks, name, sub, depth + 1, fn);
		if (r < 0)
			return r;
	}
	return 0;
}

static int lift_under(TuneKnobs *ks, const char *name, const char *mount, const char *path, lift_fn fn)
{
	_cleanup_free_ char *root = NULL, *dir = NULL;
	int r;

	r = cgroup_vm_root(path, &root);
	if (r < 0)
		return r;
	if (asprintf(&dir, "%s%s", mount, root) < 0)
		return -ENOMEM;
	if (access_root(dir, F_OK) < 0)
		return -ENOENT;
	return walk(ks, name, dir, 0, fn);
}

int cgroup_add_lift_knobs(TuneKnobs *ks, const char *name, const CgroupPaths *p)
{
	int r = -ENOENT;

	/* A v1 controller line means that controller is on v1 (hybrid hosts
	 * keep only the unified tree's bookkeeping on v2). */
	if (p->memory)
		r = lift_under(ks, name, V1_MEMORY, p->memory, lift_v1_memory);
	if (p->blkio && r != -ENOMEM) {
		int q = lift_under(ks, name, V1_BLKIO, p->blkio, lift_v1_blkio);

		/* A real failure of either wins over the other's success;
		 * -ENOENT (no cgroup there) only when both say so. */
		if (r >= 0 ? q < 0 && q != -ENOENT : r == -ENOENT)
			r = q;
	}
	if (!p->memory && !p->blkio && p->unified)
		r = lift_under(ks, name, V2_ROOT, p->unified, lift_v2);
	return r;
}
