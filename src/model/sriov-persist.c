/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ether-addr.h"
#include "basic/macro.h"
#include "basic/string-util.h"
#include "basic/parse-util.h"
#include "basic/pci-addr.h"
#include "model/sriov-persist.h"

void persist_pf_done(PersistPf *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_vfs; i++)
		free(p->vfs[i].bind);
	free(p->vfs);
	free(p->pf);
	*p = (PersistPf){};
}

unsigned long long persist_hash(const char *data, size_t len)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int format_vf(char **buf, const PersistVf *v)
{
	const VfConfig *c = &v->attrs;
	char mac[ETHER_ADDR_STRLEN];
	int r = strextendf_sep(buf, NULL, "vf %u", c->index);

	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_MAC)))
		r = strextendf_sep(buf, NULL, " mac %s", ether_addr_format(c->mac, mac));
	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_VLAN)))
		r = strextendf_sep(buf, NULL, " vlan %u qos %u", c->vlan, c->qos);
	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_SPOOFCHK)))
		r = strextendf_sep(buf, NULL, " spoofchk %s", c->spoofchk ? "on" : "off");
	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_TRUST)))
		r = strextendf_sep(buf, NULL, " trust %s", c->trust ? "on" : "off");
	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_LINK_STATE)))
		r = strextendf_sep(buf, NULL, " state %s", vf_link_state_to_string(c->link_state) ?: "auto");
	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_MIN_RATE)))
		r = strextendf_sep(buf, NULL, " min-rate %u", c->min_rate);
	if (r == 0 && (c->mask & VF_ATTR_BIT(VF_ATTR_MAX_RATE)))
		r = strextendf_sep(buf, NULL, " max-rate %u", c->max_rate);
	if (r == 0 && v->bind)
		r = strextendf_sep(buf, NULL, " bind %s", v->bind);
	return r < 0 ? r : strextendf_sep(buf, NULL, "\n");
}

int persist_pf_format(const PersistPf *p, char **ret)
{
	char *buf = NULL;
	int r;

	r = strextendf_sep(&buf, NULL,
		   "# kvmnet SR-IOV state, written by 'kvmnetctl sriov persist';\n"
		   "# made again at boot by 'kvmnetctl sriov restore'.\n"
		   "pf %s\nnumvfs %d\n",
		   p->pf, p->numvfs);
	for (size_t i = 0; r == 0 && i < p->n_vfs; i++)
		r = format_vf(&buf, &p->vfs[i]);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

#define fail(ret_error, ...) error_setf(ret_error, -EINVAL, __VA_ARGS__)

static int word_uint(const char *what, const char *s, uint32_t max, uint32_t *ret, char **err)
{
	uint32_t v;

	if (parse_u32(s, &v) < 0 || v > max)
		return fail(err, "%s '%s': expected a number from 0 to %u", what, s, max);
	*ret = v;
	return 0;
}

static int word_onoff(const char *what, const char *s, bool *ret, char **err)
{
	if (streq(s, "on") || streq(s, "off")) {
		*ret = streq(s, "on");
		return 0;
	}
	return fail(err, "%s '%s': expected on or off", what, s);
}

/* One KEY VALUE at words[0..]; returns the words used. */
static int parse_word_pair(char *const *w, size_t n, bool allow_bind, PersistVf *v, char **err)
{
	VfConfig *c = &v->attrs;
	uint32_t u = 0;
	int r = 0;

	/* "vlan 10 vlan 20" is a mistake, not "the last one wins". */
	for (VfAttr a = 0; a < _VF_ATTR_MAX; a++)
		if (streq(w[0], vf_attr_to_string(a)) && (c->mask & VF_ATTR_BIT(a)))
			return fail(err, "'%s' given twice; expected each attribute once", w[0]);
	if (allow_bind && streq(w[0], "bind") && v->bind)
		return fail(err, "'bind' given twice; expected it once");
	if (n < 2)
		return fail(err, "'%s': expected a value after it", w[0]);
	if (streq(w[0], "mac")) {
		if (ether_addr_parse(w[1], c->mac) < 0 || !ether_addr_is_unicast(c->mac))
			return fail(err, "mac '%s': expected a unicast MAC address like 02:00:00:00:00:01", w[1]);
		c->mask |= VF_ATTR_BIT(VF_ATTR_MAC);
	} else if (streq(w[0], "vlan")) {
		r = word_uint("vlan", w[1], 4095, &u, err);
		c->vlan = (uint16_t)u;
		c->mask |= VF_ATTR_BIT(VF_ATTR_VLAN);
		if (r == 0 && n >= 3 && streq(w[2], "qos")) {
			if (n < 4)
				return fail(err, "'qos': expected a value after it");
			r = word_uint("qos", w[3], 7, &u, err);
			c->qos = (uint8_t)u;
			return r < 0 ? r : 4;
		}
	} else if (streq(w[0], "qos"))
		return fail(err, "'qos': only after 'vlan N'");
	else if (streq(w[0], "spoofchk")) {
		r = word_onoff("spoofchk", w[1], &c->spoofchk, err);
		c->mask |= VF_ATTR_BIT(VF_ATTR_SPOOFCHK);
	} else if (streq(w[0], "trust")) {
		r = word_onoff("trust", w[1], &c->trust, err);
		c->mask |= VF_ATTR_BIT(VF_ATTR_TRUST);
	} else if (streq(w[0], "state")) {
		if (vf_link_state_from_string(w[1], &c->link_state) < 0)
			return fail(err, "state '%s': expected auto, enable or disable", w[1]);
		c->mask |= VF_ATTR_BIT(VF_ATTR_LINK_STATE);
	} else if (streq(w[0], "min-rate")) {
		r = word_uint("min-rate", w[1], UINT32_MAX, &c->min_rate, err);
		c->mask |= VF_ATTR_BIT(VF_ATTR_MIN_RATE);
	} else if (streq(w[0], "max-rate")) {
		r = word_uint("max-rate", w[1], UINT32_MAX, &c->max_rate, err);
		c->mask |= VF_ATTR_BIT(VF_ATTR_MAX_RATE);
	} else if (allow_bind && streq(w[0], "bind")) {
		if (!streq(w[1], "vfio-pci") && !streq(w[1], "host") && !streq(w[1], "none"))
			return fail(err, "bind '%s': expected vfio-pci, host or none", w[1]);
		free(v->bind);
		v->bind = strdup(w[1]);
		if (!v->bind)
			return -ENOMEM;
	} else
		return fail(err, "unknown attribute '%s'; expected mac, vlan, spoofchk, trust, state, min-rate or max-rate%s",
			    w[0], allow_bind ? " or bind" : "");
	return r < 0 ? r : 2;
}

int vf_words_parse(char *const *words, size_t n, bool allow_bind, PersistVf *v, char **ret_error)
{
	const uint32_t both = VF_ATTR_BIT(VF_ATTR_MIN_RATE) | VF_ATTR_BIT(VF_ATTR_MAX_RATE);
	const VfConfig *c = &v->attrs;

	while (n > 0) {
		int k = parse_word_pair(words, n, allow_bind, v, ret_error);

		if (k < 0)
			return k;
		words += k;
		n -= (size_t)k;
	}
	if ((c->mask & both) == both && c->max_rate && c->min_rate > c->max_rate)
		return fail(ret_error, "min-rate %u: expected at most max-rate %u", c->min_rate, c->max_rate);
	return 0;
}

#define MAX_WORDS 32

/* Split a line in place at white space; -E2BIG past MAX_WORDS. */
static int split(char *line, char *words[MAX_WORDS], size_t *ret_n)
{
	char *save = NULL;
	size_t n = 0;

	for (char *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return -E2BIG;
		words[n++] = tok;
	}
	*ret_n = n;
	return 0;
}

static int parse_vf_line(PersistPf *p, char **w, size_t n)
{
	PersistVf v = {}, *nv;
	uint32_t idx;

	if (n < 2 || parse_u32(w[1], &idx) < 0 || idx > 65535)
		return -EINVAL;
	for (size_t i = 0; i < p->n_vfs; i++)
		if (p->vfs[i].attrs.index == idx)
			return -EINVAL;
	v.attrs.index = idx;
	if (vf_words_parse(w + 2, n - 2, true, &v, NULL) < 0) {
		free(v.bind);
		return -EINVAL;
	}
	nv = realloc(p->vfs, (p->n_vfs + 1) * sizeof(*nv));
	if (!nv) {
		free(v.bind);
		return -ENOMEM;
	}
	p->vfs = nv;
	p->vfs[p->n_vfs++] = v;
	return 0;
}

static int parse_line(PersistPf *p, char *line)
{
	char *w[MAX_WORDS], buf[PCI_ADDR_STRLEN];
	size_t n;
	PciAddr a;

	line[strcspn(line, "#")] = 0;
	if (split(line, w, &n) < 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (streq(w[0], "pf")) {
		if (n != 2 || p->pf || pci_addr_parse(w[1], &a) < 0)
			return -EINVAL;
		p->pf = strdup(pci_addr_format(&a, buf));
		return p->pf ? 0 : -ENOMEM;
	}
	if (streq(w[0], "numvfs")) {
		int v;

		if (n != 2 || p->numvfs >= 0 || parse_int(w[1], &v) < 0 || v < 0 || v > 65535)
			return -EINVAL;
		p->numvfs = v;
		return 0;
	}
	if (streq(w[0], "vf"))
		return parse_vf_line(p, w, n);
	return -EINVAL;
}

int persist_pf_parse(const char *text, PersistPf *ret, unsigned *ret_line)
{
	_cleanup_free_ char *copy = strdup(text ? text : "");
	PersistPf p = { .numvfs = -1 };
	unsigned lineno = 0;
	char *next;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		r = parse_line(&p, line);
		if (r < 0)
			break;
	}
	if (r == 0 && (!p.pf || p.numvfs < 0)) {
		r = -EINVAL;
		lineno = 0;
	}
	for (size_t i = 0; r == 0 && i < p.n_vfs; i++)
		if ((int)p.vfs[i].attrs.index >= p.numvfs) {
			r = -EINVAL;
			lineno = 0;
		}
	if (r < 0) {
		persist_pf_done(&p);
		if (ret_line)
			*ret_line = lineno;
		return r;
	}
	*ret = p;
	return 0;
}

int systemd_exec_word(const char *word, char **ret)
{
	bool quote = false;
	size_t len = 0;
	char *s;

	if (isempty(word))
		return -EINVAL;
	for (const char *p = word; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
		quote |= strchr(" \"'\\;", *p) != NULL;
	}
	s = malloc(strlen(word) * 2 + 3);
	if (!s)
		return -ENOMEM;
	if (quote)
		s[len++] = '"';
	for (const char *p = word; *p; p++) {
		if (*p == '%' || *p == '$')
			s[len++] = *p;
		else if (quote && (*p == '"' || *p == '\\'))
			s[len++] = '\\';
		s[len++] = *p;
	}
	if (quote)
		s[len++] = '"';
	s[len] = 0;
	*ret = s;
	return 0;
}

int persist_unit_format(const char *exe, char **ret)
{
	_cleanup_free_ char *word = NULL;
	int r;

	if (!exe || exe[0] != '/')
		return -EINVAL;
	if ((r = systemd_exec_word(exe, &word)) < 0)
		return r;
	return asprintf(ret,
			"# Written by 'kvmnetctl sriov persist'; removed by 'kvmnetctl sriov unpersist'.\n"
			"[Unit]\n"
			"Description=kvmnet: make the persisted SR-IOV VFs again\n"
			"After=systemd-modules-load.service systemd-udevd.service\n"
			"Before=libvirtd.service virtqemud.service network-pre.target\n"
			"Wants=network-pre.target\n"
			"\n"
			"[Service]\n"
			"Type=oneshot\n"
			"RemainAfterExit=yes\n"
			"ExecStart=%s sriov restore\n"
			"\n"
			"[Install]\n"
			"WantedBy=multi-user.target\n",
			word) < 0
		       ? -ENOMEM
		       : 0;
}
