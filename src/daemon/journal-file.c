/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The journal as JSON, and its atomic replacement on disk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/ether-addr.h"
#include "basic/json-util.h"
#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "basic/strv.h"
#include "journal.h"

/* Far beyond any real journal (a record is ~100 bytes). */
#define JOURNAL_MAX_SIZE (16U << 20)

/* Add val under key (or to an array when key is NULL); takes val. */
static int put(json_object *o, const char *key, json_object *val)
{
	if (!val)
		return -ENOMEM;
	if ((key ? json_object_object_add(o, key, val) : json_object_array_add(o, val)) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static json_object *addr_json(const PciAddr *a)
{
	char buf[PCI_ADDR_STRLEN];

	return json_object_new_string(pci_addr_format(a, buf));
}

static json_object *vf_json(const JournalVf *vf)
{
	json_object *o = json_object_new_object();
	char mac[ETHER_ADDR_STRLEN];
	int r = 0;

	if (!o)
		return NULL;
	ether_addr_format(vf->mac, mac);
	r |= put(o, "index", json_object_new_int64(vf->index));
	r |= json_object_object_add(o, "driver_override",
				    vf->driver_override ? json_object_new_string(vf->driver_override) : NULL);
	r |= json_object_object_add(o, "mac", vf->has_mac ? json_object_new_string(mac) : NULL);
	if (r) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *pf_json(const JournalPf *pf)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *vfs = json_object_new_array();
	int r = 0;

	if (!o || !vfs) {
		json_object_put(vfs);
		return NULL;
	}
	r |= put(o, "pf", addr_json(&pf->addr));
	r |= put(o, "numvfs_changed", json_object_new_boolean(pf->numvfs_changed));
	r |= put(o, "numvfs", json_object_new_int64(pf->numvfs));
	r |= put(o, "autoprobe", json_object_new_int64(pf->autoprobe));
	r |= put(o, "vfs", vfs);
	for (size_t i = 0; i < pf->n_vfs && !r; i++)
		r |= put(vfs, NULL, vf_json(&pf->vfs[i]));
	return r ? NULL : TAKE_PTR(o);
}

static json_object *attach_json(const JournalAttach *a)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= put(o, "vm", json_object_new_string(a->vm_uuid));
	r |= put(o, "pf", addr_json(&a->pf));
	r |= put(o, "vf", json_object_new_int64(a->vf));
	return r ? NULL : TAKE_PTR(o);
}

int journal_to_json(const Journal *j, char **ret)
{
	_cleanup_json_ json_object *root = json_object_new_object();
	json_object *pfs = json_object_new_array(), *att = json_object_new_array(), *orig = json_object_new_object();
	char *s;
	int r = 0;

	if (!root || !pfs || !att || !orig) {
		json_object_put(pfs);
		json_object_put(att);
		json_object_put(orig);
		return -ENOMEM;
	}
	r |= put(root, "version", json_object_new_int(JOURNAL_VERSION));
	r |= put(root, "active", json_object_new_boolean(j->active));
	r |= put(root, "below_since_us", json_object_new_int64((int64_t)j->below_since_us));
	r |= put(root, "pfs", pfs);
	r |= put(root, "attached", att);
	r |= put(root, "originals", orig);
	for (size_t i = 0; i < j->n_pfs && !r; i++)
		r |= put(pfs, NULL, pf_json(&j->pfs[i]));
	for (size_t i = 0; i < j->n_attached && !r; i++)
		r |= put(att, NULL, attach_json(&j->attached[i]));
	for (size_t i = 0; i < j->n_originals && !r; i++)
		r |= put(orig, j->originals[i].key, json_object_new_string(j->originals[i].value));
	if (r)
		return -ENOMEM;
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* ---- parsing: every field typed and checked; the first fault is named. */

typedef struct ParseErr {
	char msg[256];
} ParseErr;

static int fail(ParseErr *e, const char *fmt, ...) _printf_(2, 3);
static int fail(ParseErr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf_utf8(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int field(json_object *o, const char *key, json_type type, bool nullable, json_object **ret, ParseErr *e)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return fail(e, "'%s' is missing", key);
	if (v == NULL && nullable) {
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, type))
		return fail(e, "'%s' should be of JSON type %s", key, json_type_to_name(type));
	*ret = v;
	return 0;
}

static int field_uint(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret, ParseErr *e)
{
	json_object *v;
	int64_t n;
	int r = field(o, key, json_type_int, false, &v, e);

	if (r < 0)
		return r;
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return fail(e, "'%s' is %lld, expected %lld..%lld", key, (long long)n, (long long)min, (long long)max);
	*ret = n;
	return 0;
}

static int field_addr(json_object *o, const char *key, PciAddr *ret, ParseErr *e)
{
	json_object *v;
	int r = field(o, key, json_type_string, false, &v, e);

	if (r < 0)
		return r;
	if (pci_addr_parse(json_object_get_string(v), ret) < 0)
		return fail(e, "'%s' is not a PCI address", key);
	return 0;
}

static int parse_vf(json_object *o, Journal *j, const PciAddr *addr, ParseErr *e)
{
	json_object *drv, *mac;
	JournalPf *pf = journal_find_pf(j, addr);
	uint8_t m[6];
	int64_t idx;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return fail(e, "a VF entry should be an object");
	if ((r = field_uint(o, "index", 0, 65535, &idx, e)) < 0 ||
	    (r = field(o, "driver_override", json_type_string, true, &drv, e)) < 0 ||
	    (r = field(o, "mac", json_type_string, true, &mac, e)) < 0)
		return r;
	/* basic's parser: sscanf("%2x") took signs and spaces ("-1:..."). */
	if (mac && ether_addr_parse(json_object_get_string(mac), m) < 0)
		return fail(e, "'mac' is not a MAC address");
	for (size_t i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index == idx)
			return fail(e, "VF %lld listed twice", (long long)idx);
	return journal_record_vf(j, addr, (unsigned)idx, drv ? json_object_get_string(drv) : NULL, mac ? m : NULL);
}

static int parse_pf(json_object *o, Journal *j, ParseErr *e)
{
	json_object *changed, *vfs;
	int64_t numvfs, autoprobe;
	JournalPf *pf;
	PciAddr addr;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return fail(e, "a PF entry should be an object");
	if ((r = field_addr(o, "pf", &addr, e)) < 0 ||
	    (r = field(o, "numvfs_changed", json_type_boolean, false, &changed, e)) < 0 ||
	    (r = field_uint(o, "numvfs", 0, 65535, &numvfs, e)) < 0 ||
	    (r = field_uint(o, "autoprobe", -1, 1, &autoprobe, e)) < 0 ||
	    (r = field(o, "vfs", json_type_array, false, &vfs, e)) < 0)
		return r;
	if (journal_find_pf(j, &addr))
		return fail(e, "PF listed twice");
	if (journal_get_pf(j, &addr, &pf) < 0)
		return -ENOMEM;
	pf->numvfs_changed = json_object_get_boolean(changed);
	pf->numvfs = (unsigned)numvfs;
	pf->autoprobe = (int)autoprobe;
	for (size_t i = 0; i < json_object_array_length(vfs); i++) {
		r = parse_vf(json_object_array_get_idx(vfs, i), j, &addr, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_attach(json_object *o, Journal *j, ParseErr *e)
{
	json_object *vm;
	PciAddr pf;
	int64_t vf;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return fail(e, "an 'attached' entry should be an object");
	if ((r = field(o, "vm", json_type_string, false, &vm, e)) < 0 || (r = field_addr(o, "pf", &pf, e)) < 0 ||
	    (r = field_uint(o, "vf", 0, 65535, &vf, e)) < 0)
		return r;
	if (json_object_get_string_len(vm) != 36)
		return fail(e, "'vm' is not a UUID");
	if (journal_is_attached(j, &pf, (unsigned)vf, NULL))
		return fail(e, "a VF is attached twice");
	return journal_add_attach(j, json_object_get_string(vm), &pf, (unsigned)vf);
}

/* A JSON object's keys are unique already (json-c keeps the last of a
 * repeated key), so each original is appended without a lookup: loading
 * stays linear in the journal's size. */
static int parse_originals(json_object *orig, Journal *j, ParseErr *e)
{
	size_t n = (size_t)json_object_object_length(orig);

	j->originals = n ? calloc(n, sizeof(JournalKv)) : NULL;
	if (n && !j->originals)
		return -ENOMEM;
	json_object_object_foreach(orig, key, val) {
		JournalKv *kv = &j->originals[j->n_originals];

		if (!json_object_is_type(val, json_type_string))
			return fail(e, "original '%.64s' should be a string", key);
		kv->key = strdup(key);
		kv->value = strdup(json_object_get_string(val));
		if (!kv->key || !kv->value) {
			free(kv->key);
			free(kv->value);
			return -ENOMEM;
		}
		j->n_originals++;
	}
	return 0;
}

static int parse_root(json_object *root, Journal *j, ParseErr *e)
{
	json_object *active, *pfs, *att, *orig;
	int64_t version, below;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return fail(e, "the top level should be an object");
	if ((r = field_uint(root, "version", 0, INT32_MAX, &version, e)) < 0)
		return r;
	/* A newer kvmnetd's journal is not corrupt: refused by name, so
	 * that a downgrade never discards what the newer one recorded. */
	if (version > JOURNAL_VERSION) {
		fail(e, "journal version %lld is newer than this kvmnetd understands (%d)", (long long)version,
		     JOURNAL_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (version != JOURNAL_VERSION)
		return fail(e, "version %lld, this kvmnetd reads version %d", (long long)version, JOURNAL_VERSION);
	if ((r = field(root, "active", json_type_boolean, false, &active, e)) < 0 ||
	    (r = field_uint(root, "below_since_us", 0, INT64_MAX, &below, e)) < 0 ||
	    (r = field(root, "pfs", json_type_array, false, &pfs, e)) < 0 ||
	    (r = field(root, "attached", json_type_array, false, &att, e)) < 0 ||
	    (r = field(root, "originals", json_type_object, false, &orig, e)) < 0)
		return r;
	j->active = json_object_get_boolean(active);
	j->below_since_us = (uint64_t)below;
	for (size_t i = 0; i < json_object_array_length(pfs); i++)
		if ((r = parse_pf(json_object_array_get_idx(pfs, i), j, e)) < 0)
			return r;
	for (size_t i = 0; i < json_object_array_length(att); i++)
		if ((r = parse_attach(json_object_array_get_idx(att, i), j, e)) < 0)
			return r;
	return parse_originals(orig, j, e);
}

int journal_from_json(const char *text, Journal **ret, char **ret_error)
{
	_cleanup_json_tokener_ json_tokener *tok = NULL;
	_cleanup_journal_free_ Journal *j = NULL;
	_cleanup_json_ json_object *root = NULL;
	size_t len = strlen(text);
	ParseErr e = {};
	int r;

	tok = json_tokener_new_ex(32);
	if (!tok || journal_new(&j) < 0)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)(len > INT32_MAX ? INT32_MAX : len));
	if (!root && json_tokener_get_error(tok) == json_tokener_continue)
		r = fail(&e, "not JSON: empty or cut short");
	else if (!root || json_tokener_get_error(tok) != json_tokener_success)
		r = fail(&e, "not JSON: %s", json_tokener_error_desc(json_tokener_get_error(tok)));
	else if (json_tokener_get_parse_end(tok) != len)
		r = fail(&e, "not JSON: text after the end of the object");
	else
		r = parse_root(root, j, &e);
	if ((r == -EBADMSG || r == -EPROTONOSUPPORT) && ret_error)
		*ret_error = strdup(e.msg);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(j);
	return 0;
}

/* ---- files */

/* What a journal path holds that is not a file kvmnetd could have written. */
static const char *not_regular(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	       S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

/* The journal's text; on failure a reason for the message (static or
 * from strerror).  Never follows a symlink, never blocks on a FIFO. */
static int read_journal_at(int dirfd, char **ret, const char **ret_why)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	fd = openat(dirfd, JOURNAL_FILE, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		*ret_why = errno == ELOOP ? "a symbolic link (kvmnetd reads only the file it wrote)" : strerror(errno);
		return errno == ELOOP ? -ELOOP : negative_errno();
	}
	if (fstat(fd, &st) < 0)
		return *ret_why = strerror(errno), negative_errno();
	if (!S_ISREG(st.st_mode))
		return *ret_why = not_regular(st.st_mode), -EBADFD;
	if (st.st_size > JOURNAL_MAX_SIZE)
		return *ret_why = "larger than the 16 MiB a journal can be", -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return *ret_why = strerror(errno), negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	return (int)len;
}

int journal_load(const char *dir, Journal **ret, char **ret_error)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL, *why = NULL;
	const char *cause = NULL;
	int r, len;

	if (dfd < 0) {
		r = negative_errno();
		if (r == -ENOENT)
			return journal_new(ret);
		if (ret_error && asprintf(ret_error, "%s: cannot open the state directory: %s", dir, strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	/* journal.json.tmp, if any, is a save that did not finish: the
	 * journal is what was renamed last. */
	len = read_journal_at(dfd, &text, &cause);
	if (len == -ENOENT)
		return journal_new(ret);
	if (len == -ENOMEM)
		return len;
	if (len < 0) {
		if (ret_error && asprintf(ret_error, "%s/%s: cannot read the journal: %s", dir, JOURNAL_FILE, cause) < 0)
			*ret_error = NULL;
		return len;
	}
	if (memchr(text, 0, (size_t)len)) {
		why = strdup("not JSON: a NUL byte");
		r = -EBADMSG;
	} else {
		r = journal_from_json(text, ret, &why);
		if (r != -EBADMSG && r != -EPROTONOSUPPORT)
			return r;
	}
	/* Left where it is, whatever it holds: only the operator decides
	 * (journal_set_aside(), kvmnetd --discard-journal). */
	if (ret_error && asprintf(ret_error, "%s/%s: %s%s", dir, JOURNAL_FILE, r == -EBADMSG ? "corrupt journal: " : "",
				  why ?: "?") < 0)
		*ret_error = NULL;
	return r;
}

int journal_set_aside(const char *dir, char **ret_name)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char stamp[32], name[96];
	time_t now = time(NULL);
	struct tm tm;

	if (dfd < 0)
		return negative_errno();
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -EINVAL;
	/* Never over an earlier copy: each one may hold the only record of
	 * some original value. */
	for (unsigned i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s%s", JOURNAL_SET_ASIDE_PREFIX, stamp);
		else
			snprintf(name, sizeof(name), "%s%s.%u", JOURNAL_SET_ASIDE_PREFIX, stamp, i);
		if (renameat2(dfd, JOURNAL_FILE, dfd, name, RENAME_NOREPLACE) == 0) {
			(void)fsync(dfd);
			*ret_name = strdup(name);
			return *ret_name ? 0 : -ENOMEM;
		}
		if (errno != EEXIST)
			return negative_errno();
	}
	return -EEXIST;
}

int journal_list_set_aside(const char *dir, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while ((de = readdir(d)))
		if (strneq(de->d_name, JOURNAL_SET_ASIDE_PREFIX, strlen(JOURNAL_SET_ASIDE_PREFIX)) &&
		    (r = strv_extend(&l, de->d_name)) < 0)
			break;
	closedir(d);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int journal_save(const Journal *j, const char *dir)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *text = NULL;
	int r;

	r = journal_to_json(j, &text);
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	fd = openat(dfd, JOURNAL_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	/* the data must be on disk before the name points at it */
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && renameat(dfd, JOURNAL_FILE ".tmp", dfd, JOURNAL_FILE) < 0)
		r = negative_errno();
	/* and the rename itself must survive a power cut */
	if (r == 0 && fsync(dfd) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(dfd, JOURNAL_FILE ".tmp", 0);
	return r;
}
