/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "devnode.h"

static int open_node(const char *path)
{
	_cleanup_free_ char *p = NULL;
	int fd, r;

	r = root_path(&p, "%s", path);
	if (r < 0)
		return r;
	/* O_NONBLOCK: opening a node must never wait on the device. */
	fd = open(p, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return fd < 0 ? negative_errno() : fd;
}

void devnode_probe(const char *path, DevNode *ret)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -1;
	DevNode n = { .open_error = -ENOENT };
	struct stat st;

	if (root_path(&p, "%s", path) < 0) {
		n.open_error = -ENOMEM;
		*ret = n;
		return;
	}
	if (stat(p, &st) == 0) {
		n.present = true;
		n.is_char = S_ISCHR(st.st_mode);
		fd = open_node(path);
		n.open_error = fd < 0 ? fd : 0;
	}
	*ret = n;
}

int kvm_api_version(int *ret)
{
	_cleanup_close_ int fd = open_node("/dev/kvm");
	int v;

	if (fd < 0)
		return fd;
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v < 0)
		return negative_errno();
	*ret = v;
	return 0;
}
