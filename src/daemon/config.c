/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "daemon/config.h"

/* Bounds that keep products like vfs_per_vm * VMs and now + min_dwell far
 * from overflow, and reject values that are surely typing mistakes. */
#define THRESHOLD_MAX 65535U
#define VFS_PER_VM_MAX 64U
#define MIN_DWELL_MAX_US (24ULL * 3600ULL * 1000000ULL)
/* Busy time over less than 100 ms is a handful of ticks (USER_HZ 100):
 * noise.  Over an hour the placement reacts to nothing. */
#define IRQ_INTERVAL_MIN_US 100000ULL
#define IRQ_INTERVAL_MAX_US (3600ULL * 1000000ULL)
/* A config with this many errors is not a config; stop listing them. */
#define ERRORS_MAX 32U
#define KEYS_MAX 16U

typedef struct ParseCtx ParseCtx;
typedef int (*value_parser)(Config *c, const char *key, const char *value, ParseCtx *ctx);

typedef struct KeyDef {
	const char *name;
	value_parser parse;
	bool repeatable;
} KeyDef;

typedef struct SectionDef {
	const char *name;
	const KeyDef *keys;
	size_t n_keys;
} SectionDef;

struct ParseCtx {
	const char *filename;
	Config *config;
	char **errors;
	unsigned n_errors;
	bool oom;
	/* Reader state: the text left and the number of the line just read. */
	const char *p;
	unsigned line;
	bool seen_section;  /* a [section] line came before */
	bool bad_section;   /* the current section is unknown (reported) */
	/* The line each key was first set on, to refuse a second setting. */
	unsigned seen[8][KEYS_MAX];
};


/* Shown values are escaped and cut, so that garbage cannot flood a log line
 * or put control characters on a terminal. */
static void escape_value(const char *v, char *buf, size_t size)
{
	size_t o = 0;

	/* Leave room for "..." and the NUL after the last escape. */
	for (; *v && o + 4 + 4 < size; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
	}
	strcpy(buf + o, *v ? "..." : "");
}

static void add_error(ParseCtx *ctx, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void add_error(ParseCtx *ctx, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL, *full = NULL;
	va_list ap;
	int r;

	if (ctx->n_errors++ >= ERRORS_MAX)
		return;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		ctx->oom = true;
		return;
	}
	if (ctx->n_errors == ERRORS_MAX)
		r = asprintf(&full, "%s: too many errors, giving up", ctx->filename);
	else if (line > 0)
		r = asprintf(&full, "%s:%u: %s", ctx->filename, line, msg);
	else
		r = asprintf(&full, "%s: %s", ctx->filename, msg);
	if (r < 0 || strv_push(&ctx->errors, full) < 0) {
		ctx->oom = true;
		return;
	}
	full = NULL;
}

/* The usual shape of a value error: "KEY: expected WHAT, got 'VALUE'". */
static int bad_value(ParseCtx *ctx, const char *key, const char *expected, const char *value)
{
	char shown[80];

	escape_value(value, shown, sizeof(shown));
	add_error(ctx, ctx->line, "%s: expected %s, got '%s'", key, expected, shown);
	return -EINVAL;
}

static int parse_bounded_uint(const char *value, unsigned max, unsigned *ret)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0 || v == 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int set_string(char **field, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int parse_uri(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	size_t n = strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789+.-");

	/* libvirt URIs start with a scheme ("qemu:", "qemu+ssh:", "test:"). */
	if (n == 0 || value[n] != ':' || !isalpha((unsigned char)value[0]) ||
	    strpbrk(value, " \t\r\n"))
		return bad_value(ctx, key, "a libvirt URI such as 'qemu:///system'", value);
	return set_string(&c->libvirt_uri, value);
}

bool ifname_valid(const char *s)
{
	size_t n;

	if (isempty(s) || streq(s, ".") || streq(s, ".."))
		return false;
	n = strlen(s);
	if (n >= IF_NAMESIZE)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || (unsigned char)*p < 0x20 ||
		    (unsigned char)*p == 0x7f)
			return false;
	return true;
}

static bool pf_same(const ConfigPf *a, const ConfigPf *b)
{
	if (a->is_pci != b->is_pci)
		return false;
	return a->is_pci ? pci_addr_equal(&a->addr, &b->addr) : streq(a->ifname, b->ifname);
}

/* One more PF or NIC into a list, refusing the same device written twice. */
static int add_pf(ConfigPf **list, unsigned *n, const char *key, const char *value, ParseCtx *ctx)
{
	ConfigPf pf = { .line = ctx->line };
	ConfigPf *a;

	if (pci_addr_parse(value, &pf.addr) == 0)
		pf.is_pci = true;
	else if (ifname_valid(value))
		strcpy(pf.ifname, value);
	else
		return bad_value(ctx, key, "a netdev name (1-15 characters) or a PCI address like 0000:03:00.0", value);
	for (unsigned i = 0; i < *n; i++)
		if (pf_same(&(*list)[i], &pf)) {
			add_error(ctx, ctx->line, "%s: '%s' is already listed on %s:%u", key, value, ctx->filename,
				  (*list)[i].line);
			return -EINVAL;
		}
	if (*n >= CONFIG_MAX_PFS) {
		add_error(ctx, ctx->line, "%s: more than %u entries", key, CONFIG_MAX_PFS);
		return -EINVAL;
	}
	a = reallocarray(*list, *n + 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	*list = a;
	a[(*n)++] = pf;
	return 0;
}

static int parse_pf(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	return add_pf(&c->pfs, &c->n_pfs, key, value, ctx);
}

static int parse_irq_nic(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	return add_pf(&c->irq.nics, &c->irq.n_nics, key, value, ctx);
}

static int parse_irq_cpus(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	const char *want = NULL;
	bool is_auto;

	if (config_cpu_list_parse(value, false, &is_auto, &c->irq.cpus, &want) < 0)
		return bad_value(ctx, key, want, value);
	c->irq.has_cpus = true;
	return 0;
}

static int parse_daemon_cpus(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	const char *want = NULL;

	if (config_cpu_list_parse(value, true, &c->cpus.is_auto, &c->cpus.list, &want) < 0)
		return bad_value(ctx, key, want, value);
	c->cpus.set = true;
	return 0;
}

static int parse_irq_interval(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	uint64_t us;

	if (parse_duration_us(value, &us) < 0 || us < IRQ_INTERVAL_MIN_US || us > IRQ_INTERVAL_MAX_US)
		return bad_value(ctx, key, "a duration with a unit from 100ms to 1h (500ms, 1s, 5s)", value);
	c->irq.interval_us = us;
	return 0;
}

static int parse_busy_percent(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (parse_bounded_uint(value, 100, &c->irq.busy_percent) < 0)
		return bad_value(ctx, key, "a percentage (1-100)", value);
	return 0;
}

static int parse_irqbalance(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (streq(value, "ban"))
		c->irq.irqbalance = IRQBALANCE_BAN;
	else if (streq(value, "stop"))
		c->irq.irqbalance = IRQBALANCE_STOP;
	else if (streq(value, "ignore"))
		c->irq.irqbalance = IRQBALANCE_IGNORE;
	else
		return bad_value(ctx, key, "'ban', 'stop' or 'ignore'", value);
	return 0;
}

static int parse_yes_no(bool *field, const char *key, const char *value, ParseCtx *ctx)
{
	if (parse_bool(value, field) < 0)
		return bad_value(ctx, key, "'yes' or 'no'", value);
	return 0;
}

static int parse_tune_sched(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	return parse_yes_no(&c->tune.sched, key, value, ctx);
}

static int parse_tune_io(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	return parse_yes_no(&c->tune.io_scheduler, key, value, ctx);
}

static int parse_tune_cgroups(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	return parse_yes_no(&c->tune.cgroups, key, value, ctx);
}

static int parse_threshold(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (parse_bounded_uint(value, THRESHOLD_MAX, &c->threshold) < 0)
		return bad_value(ctx, key, "a positive integer (1-65535)", value);
	return 0;
}

static int parse_vfs_per_vm(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (parse_bounded_uint(value, VFS_PER_VM_MAX, &c->vfs_per_vm) < 0)
		return bad_value(ctx, key, "a positive integer (1-64)", value);
	return 0;
}

static int parse_min_dwell(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	uint64_t us;

	if (parse_duration_us(value, &us) < 0 || us > MIN_DWELL_MAX_US)
		return bad_value(ctx, key, "a duration with a unit, up to 24h (500ms, 5s, 2m, 1h)", value);
	c->min_dwell_us = us;
	return 0;
}

static int parse_headroom(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	uint32_t v;

	if (streq(value, "max")) {
		c->headroom = CONFIG_HEADROOM_MAX;
		return 0;
	}
	if (parse_u32(value, &v) < 0 || v > CONFIG_HEADROOM_LIMIT)
		return bad_value(ctx, key, "'max' or a number of spare VFs (0-65535)", value);
	c->headroom = v;
	return 0;
}

static int parse_parallel_attach(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (parse_bounded_uint(value, CONFIG_PARALLEL_ATTACH_MAX, &c->parallel_attach) < 0)
		return bad_value(ctx, key, "a number of attaches at once (1-64; 1: one by one)", value);
	return 0;
}

static int parse_numa(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (plan_numa_from_string(value, &c->numa) < 0)
		return bad_value(ctx, key, "'required', 'preferred' or 'legacy'", value);
	return 0;
}

/* never: a PF whose VFs are in use never grows; drain: plan.h D1-D3. */
static int parse_resize(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (!streq(value, "never") && !streq(value, "drain"))
		return bad_value(ctx, key, "'never' or 'drain'", value);
	c->resize_drain = streq(value, "drain");
	return 0;
}

static int parse_state_dir(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (value[0] != '/' || strlen(value) >= PATH_MAX || strpbrk(value, "\n\r\t"))
		return bad_value(ctx, key, "an absolute directory path", value);
	return set_string(&c->state_dir, value);
}

static int parse_on_stop(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (streq(value, "keep"))
		c->on_stop = ON_STOP_KEEP;
	else if (streq(value, "revert"))
		c->on_stop = ON_STOP_REVERT;
	else
		return bad_value(ctx, key, "'keep' or 'revert'", value);
	return 0;
}

static int parse_log_level(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	int l = log_parse_level(value);

	if (l < 0)
		return bad_value(ctx, key, "one of err, warning, notice, info, debug", value);
	c->log_level = l;
	return 0;
}

static int parse_metrics_listen(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	if (inet_addr_parse(value, &c->metrics_listen) < 0)
		return bad_value(ctx, key, "ADDRESS:PORT with a numeric address, like 127.0.0.1:9469 or [::1]:9469", value);
	c->metrics_listen_set = true;
	return 0;
}

/* [balloon]'s keys are parsed in config-balloon.c; the table below only
 * names them, for the unknown- and twice-set-key checks. */
static int parse_balloon(Config *c, const char *key, const char *value, ParseCtx *ctx)
{
	const char *want = NULL;

	return config_balloon_set(&c->balloon, key, value, &want) < 0 ? bad_value(ctx, key, want, value) : 0;
}

static const KeyDef libvirt_keys[] = {
	{ "uri", parse_uri, false },
};
static const KeyDef sriov_keys[] = {
	{ "pf", parse_pf, true },
	{ "threshold", parse_threshold, false },
	{ "vfs_per_vm", parse_vfs_per_vm, false },
	{ "min_dwell", parse_min_dwell, false },
	{ "headroom", parse_headroom, false },
	{ "parallel_attach", parse_parallel_attach, false },
	{ "numa", parse_numa, false },
	{ "resize", parse_resize, false },
};
static const KeyDef daemon_keys[] = {
	{ "state_dir", parse_state_dir, false },
	{ "on_stop", parse_on_stop, false },
	{ "log_level", parse_log_level, false },
	{ "cpus", parse_daemon_cpus, false },
};
static const KeyDef irq_keys[] = {
	{ "nic", parse_irq_nic, true },
	{ "cpus", parse_irq_cpus, false },
	{ "interval", parse_irq_interval, false },
	{ "busy_percent", parse_busy_percent, false },
	{ "irqbalance", parse_irqbalance, false },
};
static const KeyDef tune_keys[] = {
	{ "sched", parse_tune_sched, false },
	{ "io_scheduler", parse_tune_io, false },
	{ "cgroups", parse_tune_cgroups, false },
};

static const KeyDef metrics_keys[] = {
	{ "listen", parse_metrics_listen, false },
};

static const KeyDef balloon_keys[] = {
	{ "interval", parse_balloon, false },	{ "stats_period", parse_balloon, false },
	{ "pressure", parse_balloon, false },	{ "calm", parse_balloon, false },
	{ "min_share", parse_balloon, false },	{ "margin", parse_balloon, false },
	{ "step", parse_balloon, false },	{ "hold", parse_balloon, false },
	{ "avail_low", parse_balloon, false },	{ "avail_high", parse_balloon, false },
};

static const SectionDef sections[] = {
	{ "libvirt", libvirt_keys, ELEMENTSOF(libvirt_keys) },
	{ "sriov", sriov_keys, ELEMENTSOF(sriov_keys) },
	{ "daemon", daemon_keys, ELEMENTSOF(daemon_keys) },
	{ "irq", irq_keys, ELEMENTSOF(irq_keys) },
	{ "tune", tune_keys, ELEMENTSOF(tune_keys) },
	{ "balloon", balloon_keys, ELEMENTSOF(balloon_keys) },
	{ "metrics", metrics_keys, ELEMENTSOF(metrics_keys) },
};

_Static_assert(ELEMENTSOF(sections) <= 8, "ParseCtx.seen has room for 8 sections");
_Static_assert(ELEMENTSOF(sriov_keys) <= KEYS_MAX && ELEMENTSOF(daemon_keys) <= KEYS_MAX &&
		       ELEMENTSOF(irq_keys) <= KEYS_MAX && ELEMENTSOF(tune_keys) <= KEYS_MAX,
	       "KEYS_MAX");

static const SectionDef *find_section(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(sections); i++)
		if (streq(sections[i].name, name))
			return &sections[i];
	return NULL;
}

static void unknown_section(ParseCtx *ctx, const char *name)
{
	char shown[80];

	escape_value(name, shown, sizeof(shown));
	add_error(ctx, ctx->line, "unknown section '[%s]'; expected one of [libvirt], [sriov], [daemon], [irq], [tune], "
		  "[balloon], [metrics]",
		  shown);
}

static void unknown_key(ParseCtx *ctx, const SectionDef *s, const char *name)
{
	char shown[80], list[256] = "";

	escape_value(name, shown, sizeof(shown));
	for (size_t i = 0; i < s->n_keys; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, s->keys[i].name, sizeof(list) - strlen(list) - 1);
	}
	add_error(ctx, ctx->line, "unknown key '%s' in [%s]; expected one of %s", shown, s->name, list);
}

/* Always "success" to inih: errors are collected here, with their lines,
 * and inih's own return is kept for the lines it cannot parse. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
	ParseCtx *ctx = user;
	const SectionDef *s;
	size_t si, ki;

	if (ctx->oom)
		return 1;
	if (ctx->bad_section)
		return 1; /* the reader has reported the section line */
	if (!ctx->seen_section) {
		add_error(ctx, ctx->line, "'%s' comes before any [section]", name);
		return 1;
	}
	s = find_section(section);
	if (!s)
		return 1;
	for (ki = 0; ki < s->n_keys; ki++)
		if (streq(s->keys[ki].name, name))
			break;
	if (ki == s->n_keys) {
		unknown_key(ctx, s, name);
		return 1;
	}
	si = (size_t)(s - sections);
	if (!s->keys[ki].repeatable && ctx->seen[si][ki]) {
		add_error(ctx, ctx->line, "%s: already set on line %u; set it once", name, ctx->seen[si][ki]);
		return 1;
	}
	ctx->seen[si][ki] = ctx->line;
	if (s->keys[ki].parse(ctx->config, name, value, ctx) == -ENOMEM)
		ctx->oom = true;
	return 1;
}

/* The lexical checks inih does not report per line: it only returns the
 * first line it could not read.  A section header is what lies between
 * '[' and ']', as inih sees it. */
static void check_line(ParseCtx *ctx, const char *line)
{
	const char *end;
	char name[64];
	size_t n;

	if (line[0] == '\n' || line[0] == ';' || line[0] == '#')
		return;
	if (line[0] != '[') {
		if (!strpbrk(line, "=:"))
			add_error(ctx, ctx->line, "expected '[section]' or 'key = value'");
		return;
	}
	ctx->seen_section = true;
	ctx->bad_section = true;
	end = strchr(line, ']');
	if (!end) {
		add_error(ctx, ctx->line, "expected ']' to close the section name");
		return;
	}
	n = (size_t)(end - line - 1);
	if (n >= sizeof(name)) {
		add_error(ctx, ctx->line, "unknown section: name longer than %zu characters", sizeof(name) - 1);
		return;
	}
	memcpy(name, line + 1, n);
	name[n] = 0;
	if (!find_section(name)) {
		unknown_section(ctx, name);
		return;
	}
	ctx->bad_section = false;
	/* An [irq] section, even empty, turns the placement on. */
	if (streq(name, "irq"))
		ctx->config->irq.enabled = true;
	ctx->config->balloon.enabled |= streq(name, "balloon");
}

/*
 * inih's fgets-style reader, over the text.  It counts lines (inih does not
 * hand line numbers to the handler), drops leading blanks so that an
 * indented line is never glued to the previous value (inih's multi-line
 * values would otherwise turn "  threshold = 4" into more of a pf= value),
 * and reports lines too long for inih's buffer instead of letting inih
 * read their remainder as a line of its own.
 */
static char *reader(char *buf, int num, void *stream)
{
	ParseCtx *ctx = stream;
	size_t len, take;

	if (!*ctx->p)
		return NULL;
	ctx->line++;
	len = strcspn(ctx->p, "\n");
	take = strspn(ctx->p, " \t");
	if (take > len)
		take = len;
	ctx->p += take;
	len -= take;
	/* Room for the line, '\n' and NUL; inih asks for 2 more than it keeps. */
	if (len + 3 > (size_t)num) {
		add_error(ctx, ctx->line, "line longer than %d characters", num - 3);
		ctx->p += len + (ctx->p[len] == '\n');
		buf[0] = '\n';
		buf[1] = 0;
		return buf;
	}
	memcpy(buf, ctx->p, len);
	buf[len] = '\n';
	buf[len + 1] = 0;
	ctx->p += len + (ctx->p[len] == '\n');
	check_line(ctx, buf);
	return buf;
}

int config_new(Config **ret)
{
	_cleanup_config_free_ Config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->libvirt_uri = strdup(CONFIG_DEFAULT_URI);
	c->state_dir = strdup(CONFIG_DEFAULT_STATE_DIR);
	if (!c->libvirt_uri || !c->state_dir)
		return -ENOMEM;
	c->threshold = CONFIG_DEFAULT_THRESHOLD;
	c->vfs_per_vm = CONFIG_DEFAULT_VFS_PER_VM;
	c->min_dwell_us = CONFIG_DEFAULT_MIN_DWELL_US;
	c->headroom = CONFIG_DEFAULT_HEADROOM;
	c->parallel_attach = CONFIG_DEFAULT_PARALLEL_ATTACH;
	c->numa = CONFIG_DEFAULT_NUMA;
	c->on_stop = ON_STOP_KEEP;
	c->log_level = LOG_LEVEL_INFO;
	c->irq.interval_us = CONFIG_DEFAULT_IRQ_INTERVAL_US;
	c->irq.busy_percent = CONFIG_DEFAULT_BUSY_PERCENT;
	c->irq.irqbalance = IRQBALANCE_BAN;
	c->cpus.is_auto = true;
	config_balloon_defaults(&c->balloon);
	*ret = TAKE_PTR(c);
	return 0;
}

void config_free(Config *c)
{
	if (!c)
		return;
	free(c->libvirt_uri);
	free(c->pfs);
	free(c->irq.nics);
	free(c->state_dir);
	free(c);
}

/* Whether an error naming this line is in the list already. */
static bool has_error_on_line(ParseCtx *ctx, unsigned line)
{
	size_t flen = strlen(ctx->filename);

	STRV_FOREACH(e, ctx->errors)
		if ((*e)[flen] == ':' && strtoul(*e + flen + 1, NULL, 10) == line)
			return true;
	return false;
}

int config_parse_string(const char *text, const char *filename, Config **ret, char ***ret_errors)
{
	_cleanup_config_free_ Config *c = NULL;
	ParseCtx ctx = { .filename = filename, .p = text };
	const char *balloon_error = NULL;
	int r, syntax;

	/* A UTF-8 byte order mark, as some editors write; inih would skip it
	 * but check_line() sees the text first. */
	if (strneq(text, "\xef\xbb\xbf", 3))
		ctx.p += 3;

	r = config_new(&c);
	if (r < 0)
		return r;
	ctx.config = c;
	syntax = ini_parse_stream(reader, &ctx, handler, &ctx);
	if (syntax == -2 || ctx.oom) {
		strv_free(ctx.errors);
		return -ENOMEM;
	}
	/* inih gives the first line it could not read; check_line() should
	 * have named it, this catches what it does not foresee. */
	if (syntax > 0 && !has_error_on_line(&ctx, (unsigned)syntax))
		add_error(&ctx, (unsigned)syntax, "expected '[section]' or 'key = value'");
	if (!ctx.errors && c->n_pfs == 0)
		add_error(&ctx, 0, "[sriov] pf: expected at least one PF (netdev name or PCI address)");
	if (!ctx.errors && config_balloon_check(&c->balloon, &balloon_error) < 0)
		add_error(&ctx, 0, "%s", balloon_error);
	if (ctx.oom) {
		strv_free(ctx.errors);
		return -ENOMEM;
	}
	if (ctx.errors) {
		if (ret_errors)
			*ret_errors = ctx.errors;
		else
			strv_free(ctx.errors);
		return -EINVAL;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

/* One MiB is far beyond any real config; stop before garbage. */
#define CONFIG_MAX_SIZE (1U << 20)

/* The file as text, or one message saying why not: what it is, where the
 * binary data starts, and what was expected. */
static int read_config(const char *path, char **ret, char **ret_msg)
{
	_cleanup_free_ char *text = NULL;
	const char *nul;
	size_t len;
	unsigned line = 1;
	int r;

	r = read_regular_file(path, CONFIG_MAX_SIZE, &text, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (asprintf(ret_msg, "%s: cannot read: %s%s; expected a configuration file (kvmnetd.conf(5))", path,
			     file_error_string(r), r == -EFBIG ? " (over 1 MiB)" : "") < 0)
			return -ENOMEM;
		return r;
	}
	nul = memchr(text, 0, len);
	if (nul) {
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		if (asprintf(ret_msg, "%s:%u: binary data (a NUL byte); expected text", path, line) < 0)
			return -ENOMEM;
		return -EBADMSG;
	}
	*ret = TAKE_PTR(text);
	return 0;
}

int config_load(const char *path, Config **ret, char ***ret_errors)
{
	_cleanup_free_ char *text = NULL;
	char *msg = NULL;
	int r;

	r = read_config(path, &text, &msg);
	if (r < 0) {
		if (ret_errors && msg) {
			*ret_errors = NULL;
			if (strv_push(ret_errors, msg) < 0) {
				free(msg);
				return -ENOMEM;
			}
		} else
			free(msg);
		return r;
	}
	return config_parse_string(text, path, ret, ret_errors);
}

const char *on_stop_to_string(OnStop o)
{
	return o == ON_STOP_REVERT ? "revert" : "keep";
}

const char *headroom_to_string(unsigned headroom, char buf[static 16])
{
	if (headroom == CONFIG_HEADROOM_MAX)
		return "max";
	snprintf(buf, 16, "%u", headroom);
	return buf;
}

const char *irqbalance_mode_to_string(IrqbalanceMode m)
{
	return m == IRQBALANCE_STOP ? "stop" : m == IRQBALANCE_IGNORE ? "ignore" : "ban";
}

const char *config_pf_to_string(const ConfigPf *pf, char buf[static IF_NAMESIZE + PCI_ADDR_STRLEN])
{
	if (pf->is_pci)
		return pci_addr_format(&pf->addr, buf);
	snprintf(buf, IF_NAMESIZE + PCI_ADDR_STRLEN, "%s", pf->ifname);
	return buf;
}
