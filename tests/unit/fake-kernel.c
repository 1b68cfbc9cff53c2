/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "fake-kernel.h"
#include "host/sriov.h"
#include "../lib/tmp-root.h"

#define PARENT "/sys/devices/pci0000:00/0000:00:01.0"

static char pathbuf[4096];

static const char *P(const FakeKernel *k, const char *fmt, ...)
{
	char rel[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(pathbuf, sizeof(pathbuf), "%s%s", k->root, rel);
	return pathbuf;
}

const char *fake_path(const FakeKernel *k, const char *rel)
{
	return P(k, "%s", rel);
}

const char *fake_read(const FakeKernel *k, const char *rel)
{
	static char buf[4096];
	FILE *f = fopen(fake_path(k, rel), "re");
	size_t n;

	buf[0] = 0;
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static int put(const FakeKernel *k, const char *rel, const char *value)
{
	FILE *f = fopen(fake_path(k, rel), "we");

	if (!f)
		return -errno;
	fputs(value, f);
	fclose(f);
	return 0;
}

static int read_num(const FakeKernel *k, const char *pf, const char *name)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/%s", pf, name);
	return atoi(fake_read(k, rel));
}

int fake_bind(const FakeKernel *k, const char *vf, const char *driver)
{
	char target[256];

	snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
	unlink(P(k, PARENT "/%s/driver", vf));
	return symlink(target, P(k, PARENT "/%s/driver", vf)) < 0 ? -errno : 0;
}

static void vf_addr(const FakeKernel *k, const char *pf, int i, char out[32])
{
	int devfn = read_num(k, pf, "sriov_offset") + i * read_num(k, pf, "sriov_stride");

	snprintf(out, 32, "0000:01:%02x.%d", devfn >> 3, devfn & 7);
}

static void create_vf(const FakeKernel *k, const char *pf, int i, int autoprobe)
{
	char vf[32], rel[256];

	vf_addr(k, pf, i, vf);
	mkdir(P(k, PARENT "/%s", vf), 0755);
	snprintf(rel, sizeof(rel), PARENT "/%s/vendor", vf);
	put(k, rel, "0x8086\n");
	snprintf(rel, sizeof(rel), PARENT "/%s/device", vf);
	put(k, rel, "0x10ca\n");
	snprintf(rel, sizeof(rel), PARENT "/%s/class", vf);
	put(k, rel, "0x020000\n");
	snprintf(rel, sizeof(rel), PARENT "/%s/driver_override", vf);
	put(k, rel, "(null)\n");
	snprintf(rel, sizeof(rel), "../%s", pf);
	symlink(rel, P(k, PARENT "/%s/physfn", vf));
	snprintf(rel, sizeof(rel), "../%s", vf);
	symlink(rel, P(k, PARENT "/%s/virtfn%d", pf, i));
	snprintf(rel, sizeof(rel), "../../../devices/pci0000:00/0000:00:01.0/%s", vf);
	symlink(rel, P(k, "/sys/bus/pci/devices/%s", vf));
	if (autoprobe)
		fake_bind(k, vf, "igbvf");
}

static void remove_vf(const FakeKernel *k, const char *pf, int i)
{
	char vf[32], cmd[4200];

	vf_addr(k, pf, i, vf);
	unlink(P(k, PARENT "/%s/virtfn%d", pf, i));
	unlink(P(k, "/sys/bus/pci/devices/%s", vf));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", P(k, PARENT "/%s", vf));
	if (system(cmd) != 0)
		abort();
}

/* drivers/pci/iov.c sriov_numvfs_store(), minus the hardware. */
static int numvfs_store(FakeKernel *k, const char *pf, const char *value)
{
	int want = atoi(value), cur = read_num(k, pf, "sriov_numvfs");
	int autoprobe = read_num(k, pf, "sriov_drivers_autoprobe");
	char rel[256];

	if (want < 0 || want > read_num(k, pf, "sriov_totalvfs"))
		return -ERANGE;
	if (want == cur)
		return 1;
	if (want != 0 && cur != 0)
		return -EBUSY;
	for (int i = 0; i < cur; i++)
		remove_vf(k, pf, i);
	for (int i = 0; i < want; i++)
		create_vf(k, pf, i, autoprobe);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/sriov_numvfs", pf);
	put(k, rel, value);
	return 1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* "/sys/bus/pci/devices/<addr>/<attr>" -> addr */
static void addr_of(const char *path, char out[32])
{
	const char *p = path + strlen("/sys/bus/pci/devices/");

	snprintf(out, 32, "%.*s", (int)strcspn(p, "/"), p);
}

static int probe(FakeKernel *k, const char *vf)
{
	char rel[256], ov[128];

	if (k->probe_noop)
		return 1;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver_override", vf);
	snprintf(ov, sizeof(ov), "%s", fake_read(k, rel));
	if (strcmp(ov, "(null)") != 0) {
		/* An override names the only driver that may bind. */
		if (access(P(k, "/sys/bus/pci/drivers/%s", ov), F_OK) == 0)
			fake_bind(k, vf, ov);
		return 1;
	}
	/* pci_device_can_probe(): a VF of a PF with sriov_drivers_autoprobe
	 * 0 probes only with an override. */
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/physfn/sriov_drivers_autoprobe", vf);
	if (strcmp(fake_read(k, rel), "0") == 0)
		return 1;
	if (access(P(k, "/sys/bus/pci/drivers/igbvf"), F_OK) == 0)
		fake_bind(k, vf, "igbvf");
	return 1;
}

static int hook(const char *path, const char *value, void *userdata)
{
	FakeKernel *k = userdata;
	char addr[32];

	k->writes++;
	if (k->fail_path && ends_with(path, k->fail_path)) {
		k->fail_seen++;
		if (k->fail_nth == 0 || k->fail_seen == k->fail_nth)
			return k->fail_error;
	}
	if (strncmp(path, "/sys/bus/pci/devices/", 21) == 0) {
		addr_of(path, addr);
		if (ends_with(path, "/sriov_numvfs"))
			return numvfs_store(k, addr, value);
		if (ends_with(path, "/driver_override"))
			return put(k, path, strcmp(value, "\n") == 0 ? "(null)\n" : value) < 0 ? -EIO : 1;
		return 0;
	}
	if (ends_with(path, "/unbind")) {
		unlink(P(k, "/sys/bus/pci/devices/%s/driver", value));
		return 1;
	}
	if (strcmp(path, "/sys/bus/pci/drivers_probe") == 0)
		return probe(k, value);
	return 0;
}

int fake_kernel_setup(FakeKernel *k, const char *fixture)
{
	char root[TMP_ROOT_MAX], sys[256];
	int r;

	memset(k, 0, sizeof(*k));
	r = tmp_root_new(root, "fake");
	if (r < 0)
		return r;
	snprintf(sys, sizeof(sys), "%s/sys", fixture);
	r = tmp_root_copy(root, sys, "sys");
	if (r < 0)
		return r;
	k->root = strdup(root);
	if (!k->root)
		return -ENOMEM;
	sriov_set_write_hook(hook, k);
	return 0;
}

void fake_kernel_teardown(FakeKernel *k)
{
	sriov_set_write_hook(NULL, NULL);
	if (k->root && tmp_root_remove(k->root) < 0)
		abort();
	free(k->root);
	k->root = NULL;
	unsetenv("KVMNET_SYSROOT");
	sysroot_reset();
}
