/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault injection for the real code paths of kvmnetd (and kvmnetctl), as an
 * LD_PRELOAD interposer: chosen libvirt calls and reads of chosen sysfs
 * files fail, time out or return other text, at moments a test chooses.
 *
 *   KVMNET_FAULT_FILE  rules, re-read at every intercepted call, one a line:
 *                        CALL MATCH ACTION [OPTION...]
 *     CALL    virConnectListAllDomains, virDomainGetXMLDesc,
 *             virDomainGetMetadata, virDomainDetachDeviceFlags,
 *             virDomainAttachDeviceFlags, virDomainGetState,
 *             virDomainGetJobStats, virDomainGetJobInfo, open
 *             (open/open64/openat: reads of files), readlink, access
 *             (whether a path exists: a device gone), write
 *             (write(2) to a file: sysfs stores such as sriov_numvfs)
 *     MATCH   the domain's name, or a part of the path below
 *             $KVMNET_SYSROOT (only paths there are touched); * for any
 *     ACTION  fail     the call fails: errno (files) or a libvirt error
 *             timeout  the same after a wait, as a libvirt timeout
 *             return   the call succeeds with the text of option text=
 *                      (XML, metadata, link target) instead; for
 *                      virDomainGetState "STATE REASON", for
 *                      virDomainGetJobStats "TYPE [OPERATION]" and for
 *                      virDomainGetJobInfo "TYPE", as libvirt's numbers
 *                      (text=3 2: paused for migration; text=2 5: an
 *                      outgoing migration job)
 *             pass     the call goes through as it is, after ms=: only
 *                      logged (to count the calls) or slowed down
 *     OPTIONS errno=N (default EIO), ms=N (the wait; default 2000 for
 *             timeout, else 0), count=N (only the first N matching calls
 *             in this process; default every one), code=N (libvirt calls:
 *             the virErrorNumber of the error, e.g. 84 for
 *             VIR_ERR_OPERATION_UNSUPPORTED; default by the action),
 *             then=PATH (the rules in PATH are appended to the file
 *             once this rule has fired: the world changes at the moment
 *             of the call, e.g. a guest that lets go of a device while
 *             libvirt is asked to detach it), data=TEXT (write only:
 *             only writes of exactly TEXT, a trailing newline aside),
 *             text=... (the rest of the line)
 *     Lines starting with # are comments.  Every call fails while the
 *     rule is in the file: write it, remove it, at the chosen moment.
 *   KVMNET_FAULT_LOG   one line appended per fault injected:
 *                        CALL MATCH ACTION TARGET [DATA]
 *                      (DATA: what a write wrote, its newline left out)
 *   KVMNET_FAULT_PEAK  the most faulted calls in their wait (ms=) at once,
 *                      in this process, rewritten when it grows: how many
 *                      libvirt requests a caller had in flight together.
 *
 * A file under the sysroot opened for writing is not truncated at open
 * but after each write that succeeds: a store that fails leaves the fake
 * attribute as it was, as sysfs does.  Nothing here runs without
 * KVMNET_FAULT_FILE.
 */
/* open and open64 are two symbols to interpose, not one redirected. */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define MAX_RULES 32

typedef struct Rule {
	char call[48], match[256], action[16], text[4096], data[64], then[256];
	bool has_data;
	int err, ms, count, code; /* code: the libvirt error (0: by action) */
	unsigned long hash; /* of the whole line: counts survive re-reading */
} Rule;

/* Matches per rule line, by hash, for count=. */
static struct {
	unsigned long hash;
	int seen;
} counters[MAX_RULES * 4];
static pthread_mutex_t counters_lock = PTHREAD_MUTEX_INITIALIZER; /* callers on several threads */
static __thread bool busy; /* our own reads and the real calls below */
static int waiting, peak;  /* faulted calls in their wait now, and at most */

static unsigned long hash_of(const char *s)
{
	unsigned long h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static int *counter(unsigned long hash)
{
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (counters[i].hash == hash || counters[i].hash == 0) {
			counters[i].hash = hash;
			return &counters[i].seen;
		}
	return NULL;
}

static void parse_options(Rule *r, char *rest)
{
	char *tok, *save = NULL;

	r->err = EIO;
	r->ms = strcmp(r->action, "timeout") == 0 ? 2000 : 0;
	r->count = -1;
	for (tok = strtok_r(rest, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (strncmp(tok, "errno=", 6) == 0)
			r->err = atoi(tok + 6);
		else if (strncmp(tok, "ms=", 3) == 0)
			r->ms = atoi(tok + 3);
		else if (strncmp(tok, "count=", 6) == 0)
			r->count = atoi(tok + 6);
		else if (strncmp(tok, "code=", 5) == 0)
			r->code = atoi(tok + 5);
		else if (strncmp(tok, "then=", 5) == 0)
			snprintf(r->then, sizeof(r->then), "%s", tok + 5);
		else if (strncmp(tok, "data=", 5) == 0) {
			snprintf(r->data, sizeof(r->data), "%s", tok + 5);
			r->has_data = true;
		}
		else if (strncmp(tok, "text=", 5) == 0) {
			/* the rest of the line, spaces included */
			snprintf(r->text, sizeof(r->text), "%s%s%s", tok + 5, save && *save ? " " : "",
				 save ? save : "");
			break;
		}
	}
}

/* The first rule of the file for (call, target, data: what a write
 * writes, else NULL), or false. */
static bool find_rule(const char *call, const char *target, const char *data, Rule *ret)
{
	const char *path = getenv("KVMNET_FAULT_FILE");
	char line[8192];
	bool found = false;
	FILE *f;

	if (!path || !target)
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		Rule r = { 0 };
		int n = 0;
		int *seen;

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || sscanf(line, "%47s %255s %15s %n", r.call, r.match, r.action, &n) < 3)
			continue;
		if (strcmp(r.call, call) != 0 || (strcmp(r.match, "*") != 0 && !strstr(target, r.match)))
			continue;
		r.hash = hash_of(line);
		parse_options(&r, line + n);
		if (r.has_data && (!data || strcmp(r.data, data) != 0))
			continue;
		pthread_mutex_lock(&counters_lock);
		seen = counter(r.hash);
		if (r.count >= 0 && seen && (*seen)++ >= r.count) {
			pthread_mutex_unlock(&counters_lock);
			continue;
		}
		pthread_mutex_unlock(&counters_lock);
		*ret = r;
		found = true;
	}
	fclose(f);
	return found;
}

static void log_fault(const Rule *r, const char *target, const char *data)
{
	const char *path = getenv("KVMNET_FAULT_LOG");
	char line[1024];
	int fd, n;

	if (!path)
		return;
	n = snprintf(line, sizeof(line), "%s %s %s %s%s%s\n", r->call, r->match, r->action, target, data ? " " : "",
		     data ? data : "");
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1)) < 0)
		n = 0;
	close(fd);
}

/* then=: PATH's rules at the end of the rule file (read at the next
 * call).  Called while busy: these reads are not faulted themselves. */
static void append_rules(const char *from)
{
	const char *path = getenv("KVMNET_FAULT_FILE");
	char buf[4096];
	FILE *in, *out;
	size_t n;

	if (!*from || !path)
		return;
	in = fopen(from, "re");
	if (!in)
		return;
	out = fopen(path, "ae");
	if (out) {
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		fclose(out);
	}
	fclose(in);
}

static void write_peak(int n)
{
	const char *path = getenv("KVMNET_FAULT_PEAK");
	char line[32];
	int fd, len;

	if (!path)
		return;
	len = snprintf(line, sizeof(line), "%d\n", n);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) < 0)
		len = 0;
	close(fd);
}

static void wait_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	int now;

	if (ms <= 0)
		return;
	pthread_mutex_lock(&counters_lock);
	now = ++waiting;
	if (now > peak) {
		peak = now;
		write_peak(now);
	}
	pthread_mutex_unlock(&counters_lock);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&counters_lock);
	waiting--;
	pthread_mutex_unlock(&counters_lock);
}

/* The rule for this call, logged and waited for, or NULL (also for a
 * rule that lets the call pass). */
static const Rule *fault_data(const char *call, const char *target, const char *data, Rule *buf)
{
	if (busy)
		return NULL;
	busy = true;
	if (!find_rule(call, target, data, buf)) {
		busy = false;
		return NULL;
	}
	log_fault(buf, target, data);
	append_rules(buf->then);
	wait_ms(buf->ms);
	busy = false;
	return strcmp(buf->action, "pass") == 0 ? NULL : buf;
}

static const Rule *fault(const char *call, const char *target, Rule *buf)
{
	return fault_data(call, target, NULL, buf);
}

/* A libvirt error in the thread's last-error slot, as libvirt would set
 * it: through its own (exported, private) reporting function. */
static void libvirt_error(const Rule *r, const char *call, const char *target)
{
	typedef void (*ReportFn)(int, int, const char *, const char *, size_t, const char *, ...);
	ReportFn report = (ReportFn)dlsym(RTLD_DEFAULT, "virReportErrorHelper");
	int code = r->code				  ? r->code
		   : strcmp(r->action, "timeout") == 0 ? VIR_ERR_OPERATION_TIMEOUT
							: VIR_ERR_INTERNAL_ERROR;

	if (report)
		report(VIR_FROM_NONE, code, __FILE__, call, __LINE__, "fault injected into %s of %s", call, target);
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static const char *dom_name(virDomainPtr d)
{
	const char *n = d ? virDomainGetName(d) : NULL;

	return n ? n : "?";
}

int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags)
{
	Rule r;

	if (fault(__func__, "*", &r)) {
		libvirt_error(&r, __func__, "the connection");
		return -1;
	}
	return REAL(virConnectListAllDomains)(conn, domains, flags);
}

char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags)
{
	Rule r;

	if (fault(__func__, dom_name(domain), &r)) {
		if (strcmp(r.action, "return") == 0)
			return strdup(r.text);
		libvirt_error(&r, __func__, dom_name(domain));
		return NULL;
	}
	return REAL(virDomainGetXMLDesc)(domain, flags);
}

char *virDomainGetMetadata(virDomainPtr domain, int type, const char *uri, unsigned int flags)
{
	Rule r;

	if (fault(__func__, dom_name(domain), &r)) {
		if (strcmp(r.action, "return") == 0)
			return strdup(r.text);
		libvirt_error(&r, __func__, dom_name(domain));
		return NULL;
	}
	return REAL(virDomainGetMetadata)(domain, type, uri, flags);
}

int virDomainDetachDeviceFlags(virDomainPtr domain, const char *xml, unsigned int flags)
{
	Rule r;

	if (fault(__func__, dom_name(domain), &r)) {
		if (strcmp(r.action, "return") == 0)
			return 0; /* accepted; the guest never lets go */
		libvirt_error(&r, __func__, dom_name(domain));
		return -1;
	}
	return REAL(virDomainDetachDeviceFlags)(domain, xml, flags);
}

int virDomainAttachDeviceFlags(virDomainPtr domain, const char *xml, unsigned int flags)
{
	Rule r;

	if (fault(__func__, dom_name(domain), &r)) {
		if (strcmp(r.action, "return") == 0)
			return 0;
		libvirt_error(&r, __func__, dom_name(domain));
		return -1;
	}
	return REAL(virDomainAttachDeviceFlags)(domain, xml, flags);
}

/* A migration (or none) as the rule's text says, for the calls that tell
 * whether a domain is migrating: "STATE REASON", "TYPE [OPERATION]". */
int virDomainGetState(virDomainPtr domain, int *state, int *reason, unsigned int flags)
{
	Rule r;

	if (fault(__func__, dom_name(domain), &r)) {
		if (strcmp(r.action, "return") == 0 && sscanf(r.text, "%d %d", state, reason) == 2)
			return 0;
		libvirt_error(&r, __func__, dom_name(domain));
		return -1;
	}
	return REAL(virDomainGetState)(domain, state, reason, flags);
}

int virDomainGetJobStats(virDomainPtr domain, int *type, virTypedParameterPtr *params, int *nparams,
			 unsigned int flags)
{
	Rule r;
	int op, max = 0;

	if (fault(__func__, dom_name(domain), &r)) {
		if (strcmp(r.action, "return") == 0 && sscanf(r.text, "%d", type) == 1) {
			*params = NULL;
			*nparams = 0;
			if (sscanf(r.text, "%*d %d", &op) == 1 &&
			    virTypedParamsAddInt(params, nparams, &max, VIR_DOMAIN_JOB_OPERATION, op) < 0)
				return -1;
			return 0;
		}
		libvirt_error(&r, __func__, dom_name(domain));
		return -1;
	}
	return REAL(virDomainGetJobStats)(domain, type, params, nparams, flags);
}

int virDomainGetJobInfo(virDomainPtr domain, virDomainJobInfoPtr info)
{
	Rule r;

	if (fault(__func__, dom_name(domain), &r)) {
		memset(info, 0, sizeof(*info));
		if (strcmp(r.action, "return") == 0 && sscanf(r.text, "%d", &info->type) == 1)
			return 0;
		libvirt_error(&r, __func__, dom_name(domain));
		return -1;
	}
	return REAL(virDomainGetJobInfo)(domain, info);
}

/* The path below the sysroot, or NULL for a path elsewhere. */
static const char *in_sysroot(const char *path)
{
	const char *root = getenv("KVMNET_SYSROOT");
	size_t n = root ? strlen(root) : 0;

	if (!path || !root || n == 0 || strncmp(path, root, n) != 0)
		return NULL;
	return path + n;
}

/* A read of a file under the sysroot that fails (writes pass). */
static int open_fault(const char *path, int flags)
{
	const char *rel = in_sysroot(path);
	Rule r;

	if (!rel || (flags & O_ACCMODE) != O_RDONLY || !fault("open", rel, &r))
		return 0;
	errno = r.err;
	return -1;
}

/* The flags to open a file with: O_TRUNC left to write() below the
 * sysroot (see the top). */
static int sysfs_flags(const char *path, int flags)
{
	if (getenv("KVMNET_FAULT_FILE") && (flags & O_ACCMODE) != O_RDONLY && in_sysroot(path))
		return flags & ~O_TRUNC;
	return flags;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

/* open and open64: the same, but for the real function's name. */
static int open_as(const char *name, const char *path, int flags, va_list ap)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	mode_t mode = mode_arg(flags, ap);

	if (open_fault(path, flags) < 0)
		return -1;
	return real(path, sysfs_flags(path, flags), mode);
}

#define DEFINE_OPEN(fn)                                        \
	int fn(const char *path, int flags, ...)               \
	{                                                      \
		va_list ap;                                    \
		int r;                                         \
                                                               \
		va_start(ap, flags);                           \
		r = open_as(#fn, path, flags, ap);             \
		va_end(ap);                                    \
		return r;                                      \
	}
DEFINE_OPEN(open)
DEFINE_OPEN(open64)

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (path[0] == '/' && open_fault(path, flags) < 0)
		return -1;
	return REAL(openat)(dirfd, path, path[0] == '/' ? sysfs_flags(path, flags) : flags, mode);
}

ssize_t readlink(const char *path, char *buf, size_t size)
{
	const char *rel = in_sysroot(path);
	Rule r;

	if (rel && fault("readlink", rel, &r)) {
		size_t n = strlen(r.text);

		if (strcmp(r.action, "return") != 0) {
			errno = r.err;
			return -1;
		}
		n = n < size ? n : size;
		memcpy(buf, r.text, n);
		return (ssize_t)n;
	}
	return REAL(readlink)(path, buf, size);
}

/* access(2): pass lets the call through; any other action fails it with
 * errno= (a device that is gone: errno=2). */
int access(const char *path, int mode)
{
	const char *rel = in_sysroot(path);
	Rule r;

	if (rel && fault("access", rel, &r)) {
		errno = r.err;
		return -1;
	}
	return REAL(access)(path, mode);
}

/* What fd is open on, below the sysroot: the path the kernel keeps for
 * it (the sysroot resolved too, in case it names a symlink). */
static const char *fd_in_sysroot(int fd, char *buf, size_t size)
{
	char proc[64], root[4096];
	const char *env = getenv("KVMNET_SYSROOT");
	ssize_t n;
	size_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = syscall(SYS_readlinkat, AT_FDCWD, proc, buf, size - 1);
	if (n <= 0 || !env)
		return NULL;
	buf[n] = 0;
	if (in_sysroot(buf))
		return in_sysroot(buf);
	if (!realpath(env, root))
		return NULL;
	len = strlen(root);
	return strncmp(buf, root, len) == 0 ? buf + len : NULL;
}

ssize_t write(int fd, const void *data, size_t n)
{
	char path[4096], text[64];
	const char *rel;
	struct stat st;
	ssize_t k;
	Rule r;

	if (busy || !getenv("KVMNET_FAULT_FILE") || !(rel = fd_in_sysroot(fd, path, sizeof(path))))
		return REAL(write)(fd, data, n);
	{
		size_t len = n < sizeof(text) - 1 ? n : sizeof(text) - 1;

		memcpy(text, data, len);
		text[len] = 0;
		text[strcspn(text, "\n")] = 0;
	}
	if (fault_data("write", rel, text, &r)) {
		errno = r.err;
		return -1;
	}
	k = REAL(write)(fd, data, n);
	/* The truncation open() left out (sysfs_flags()). */
	if (k >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t at = lseek(fd, 0, SEEK_CUR);

		if (at >= 0 && ftruncate(fd, at) < 0)
			k = -1;
	}
	return k;
}
