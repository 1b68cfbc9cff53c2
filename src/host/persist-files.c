/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/path-util.h"
#include "model/sriov-persist.h"
#include "persist-files.h"

void manifest_done(Manifest *m)
{
	for (size_t i = 0; m && i < m->n; i++) {
		free(m->e[i].arg);
		free(m->e[i].path);
	}
	if (m) {
		free(m->e);
		*m = (Manifest){};
	}
}

static int manifest_add(Manifest *m, char kind, const char *arg, const char *path)
{
	ManifestEntry *ne;

	for (size_t i = 0; i < m->n; i++)
		if (streq(m->e[i].path, path)) {
			char *a = strdup(arg);

			if (!a)
				return -ENOMEM;
			free(m->e[i].arg);
			m->e[i].arg = a;
			m->e[i].kind = kind;
			m->dirty = true;
			return 0;
		}
	ne = realloc(m->e, (m->n + 1) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	m->e = ne;
	ne[m->n] = (ManifestEntry){ kind, strdup(arg), strdup(path) };
	if (!ne[m->n].arg || !ne[m->n].path) {
		free(ne[m->n].arg);
		free(ne[m->n].path);
		return -ENOMEM;
	}
	m->n++;
	m->dirty = true;
	return 0;
}

static const ManifestEntry *manifest_find(const Manifest *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (streq(m->e[i].path, path))
			return &m->e[i];
	return NULL;
}

int manifest_load(Manifest *m, unsigned *ret_line)
{
	_cleanup_free_ char *text = NULL;
	unsigned lineno = 0;
	char *save = NULL;
	int r;

	*m = (Manifest){};
	r = read_state_file(PERSIST_MANIFEST, 1 << 20, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char kind, arg[512], path[4096];

		lineno++;
		if (l[0] == '#')
			continue;
		if (sscanf(l, "%c %511s %4095s", &kind, arg, path) != 3 || !strchr("fld", kind) || path[0] != '/') {
			manifest_done(m);
			if (ret_line)
				*ret_line = lineno;
			return -EBADMSG;
		}
		r = manifest_add(m, kind, arg, path);
		if (r < 0) {
			manifest_done(m);
			return r;
		}
	}
	m->dirty = false;
	return 0;
}

/* Write through a temporary file and rename, so a crash never leaves a
 * half-written unit or state file behind. */
static int write_atomic(const char *path, const char *content)
{
	_cleanup_free_ char *p = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(content);

	if (root_path(&p, "%s", path) < 0 || asprintf(&tmp, "%s.kvmnet-tmp", p) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	if (write(fd, content, len) != (ssize_t)len || fsync(fd) < 0) {
		int r = negative_errno();

		unlink(tmp);
		return r;
	}
	if (rename(tmp, p) < 0) {
		int r = negative_errno();

		unlink(tmp);
		return r;
	}
	return 0;
}

static int ensure_parents(Manifest *m, const char *path);

int manifest_save(Manifest *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!m->dirty)
		return 0;
	r = ensure_parents(m, PERSIST_MANIFEST);
	if (r < 0)
		return r;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# files written by kvmnetctl sriov persist; removed by unpersist\n");
	for (size_t i = 0; i < m->n; i++)
		fprintf(f, "%c %s %s\n", m->e[i].kind, m->e[i].arg, m->e[i].path);
	fclose(f);
	r = text ? write_atomic(PERSIST_MANIFEST, text) : -ENOMEM;
	free(text);
	if (r == 0)
		m->dirty = false;
	return r;
}

static void hash_hex(const char *content, char out[17])
{
	snprintf(out, 17, "%016llx", persist_hash(content, strlen(content)));
}

/* Create the missing directories above path, recording each. */
static int ensure_parents(Manifest *m, const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (access_root(dir, F_OK) == 0)
		return 0;
	r = ensure_parents(m, dir);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *p = NULL;

		if (root_path(&p, "%s", dir) < 0)
			return -ENOMEM;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
	}
	return manifest_add(m, 'd', "-", dir);
}

int persist_put_file(Manifest *m, const char *path, const char *content, bool *ret_changed)
{
	_cleanup_free_ char *old = NULL;
	const ManifestEntry *e = manifest_find(m, path);
	char h[17];
	int r;

	hash_hex(content, h);
	r = read_state_file(path, 1 << 20, &old, NULL);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		char oh[17];

		hash_hex(old, oh);
		/* Ours and unchanged since, or someone else's: never clobber. */
		if (!e || e->kind != 'f' || !streq(e->arg, oh))
			return -EEXIST;
		if (streq(old, content)) {
			*ret_changed = false;
			return 0;
		}
	}
	r = ensure_parents(m, path);
	if (r < 0)
		return r;
	r = write_atomic(path, content);
	if (r < 0)
		return r;
	*ret_changed = true;
	return manifest_add(m, 'f', h, path);
}

int persist_put_link(Manifest *m, const char *path, const char *target, bool *ret_changed)
{
	_cleanup_free_ char *p = NULL;
	const ManifestEntry *e = manifest_find(m, path);
	char cur[4096];
	ssize_t n;
	int r;

	if (root_path(&p, "%s", path) < 0)
		return -ENOMEM;
	n = readlink(p, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = 0;
		if (e && e->kind == 'l' && streq(cur, target)) {
			*ret_changed = false;
			return 0;
		}
		return -EEXIST;
	}
	if (access_root(path, F_OK) == 0)
		return -EEXIST;
	r = ensure_parents(m, path);
	if (r < 0)
		return r;
	if (symlink(target, p) < 0)
		return negative_errno();
	*ret_changed = true;
	return manifest_add(m, 'l', target, path);
}

/* Where persist writes (see cmd-sriov-persist.c): the manifest is a file
 * on disk, so unpersist removes nothing else, whatever it says. */
static bool persist_path_allowed(char kind, const char *path)
{
	static const char *const files[] = { PERSIST_DIR "/sriov.d/*", "/etc/systemd/system/kvmnet-*.service",
					     "/etc/modprobe.d/kvmnet-*.conf", NULL };
	static const char *const links[] = { "/etc/systemd/system/*.wants/kvmnet-*.service", NULL };
	static const char *const dirs[] = { "/etc", PERSIST_DIR, PERSIST_DIR "/sriov.d", "/etc/systemd",
					    "/etc/systemd/system", "/etc/systemd/system/*.wants", "/etc/modprobe.d",
					    NULL };
	const char *const *l = kind == 'f' ? files : kind == 'l' ? links : dirs;

	if (!path_is_canonical(path))
		return false;
	for (; *l; l++)
		if (fnmatch(*l, path, FNM_PATHNAME | FNM_PERIOD) == 0)
			return true;
	return false;
}

/* The entry's directory, resolved below the root, must be itself: a
 * symlinked directory would take the unlink somewhere else. */
static int check_entry(const ManifestEntry *e, void (*report)(const char *, const char *, void *), void *ud)
{
	_cleanup_free_ char *dir = strdup(e->path);
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	if (!persist_path_allowed(e->kind, e->path)) {
		report(e->path, "not a file kvmnet sriov persist writes; refused, left", ud);
		return 0;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		return 1;
	*slash = 0;
	r = path_resolves_to_itself(dir);
	if (r == -ENOENT)
		return 2; /* gone with its directory */
	if (r < 0) {
		report(e->path, r == -EXDEV ? "its directory is a symlink; refused, left" : strerror(-r), ud);
		return 0;
	}
	return 1;
}

/* 1 when removed, 0 when left (reported), < 0 on error. */
static int remove_entry(const ManifestEntry *e, void (*report)(const char *, const char *, void *), void *ud)
{
	_cleanup_free_ char *p = NULL, *old = NULL;
	char cur[4096], h[17];
	ssize_t n;
	int r;

	r = check_entry(e, report, ud);
	if (r <= 0 || r == 2)
		return r < 0 ? r : r == 2;
	if (root_path(&p, "%s", e->path) < 0)
		return -ENOMEM;
	if (e->kind == 'd') {
		if (rmdir(p) == 0 || errno == ENOENT)
			return 1;
		report(e->path, errno == ENOTEMPTY ? "directory not empty, left" : strerror(errno), ud);
		return 0;
	}
	if (e->kind == 'l') {
		n = readlink(p, cur, sizeof(cur) - 1);
		if (n < 0)
			return errno == ENOENT ? 1 : (report(e->path, "no longer a symlink, left", ud), 0);
		cur[n] = 0;
		if (!streq(cur, e->arg)) {
			report(e->path, "points elsewhere now, left", ud);
			return 0;
		}
		return unlink(p) < 0 ? negative_errno() : 1;
	}
	if (read_state_file(e->path, 1 << 20, &old, NULL) < 0)
		return access(p, F_OK) < 0 ? 1 : (report(e->path, "unreadable, left", ud), 0);
	hash_hex(old, h);
	if (!streq(h, e->arg)) {
		report(e->path, "changed since kvmnet wrote it, left", ud);
		return 0;
	}
	return unlink(p) < 0 ? negative_errno() : 1;
}

int persist_remove_all(Manifest *m, void (*report)(const char *path, const char *what, void *ud), void *ud)
{
	size_t kept = 0;
	int r = 0;

	/* Newest first: files before the directories made for them.  The
	 * manifest's own directory goes last, after the manifest. */
	for (size_t i = m->n; i-- > 0 && r != -ENOMEM;) {
		if (m->e[i].kind == 'd' && streq(m->e[i].path, PERSIST_DIR))
			continue;
		r = remove_entry(&m->e[i], report, ud);
		/* A file that cannot go (EROFS, EPERM, immutable) stays listed;
		 * the others are still removed. */
		if (r < 0 && r != -ENOMEM)
			report(m->e[i].path, strerror(-r), ud);
		if (r > 0) {
			report(m->e[i].path, "removed", ud);
			free(m->e[i].arg);
			free(m->e[i].path);
			m->e[i].arg = m->e[i].path = NULL;
		}
	}
	/* Removed entries out of the list in every case: their strings are
	 * freed, and manifest_done() must not see them again. */
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].path)
			m->e[kept++] = m->e[i];
	m->n = kept;
	m->dirty = true;
	if (r == -ENOMEM)
		return r;
	for (size_t i = 0; i < m->n; i++)
		if (!(m->e[i].kind == 'd' && streq(m->e[i].path, PERSIST_DIR)))
			return manifest_save(m);
	{
		_cleanup_free_ char *p = NULL, *d = NULL;

		if (root_path(&p, "%s", PERSIST_MANIFEST) < 0 || root_path(&d, "%s", PERSIST_DIR) < 0)
			return -ENOMEM;
		if (unlink(p) < 0 && errno != ENOENT)
			return negative_errno();
		for (size_t i = 0; i < m->n; i++)
			if (m->e[i].path && m->e[i].kind == 'd' && streq(m->e[i].path, PERSIST_DIR)) {
				if (rmdir(d) == 0)
					report(PERSIST_DIR, "removed", ud);
				else
					report(PERSIST_DIR, "directory not empty, left", ud);
			}
	}
	manifest_done(m);
	return 0;
}
