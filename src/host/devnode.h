/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* A device node under /dev and whether this process can use it. */
typedef struct DevNode {
	bool present;
	bool is_char;	/* a character device (a fake tree has plain files) */
	int open_error; /* 0 when open(O_RDWR) worked, else -errno */
} DevNode;

/* Never fails: a node that is absent or cannot be opened is a fact. */
void devnode_probe(const char *path, DevNode *ret);

/* KVM_GET_API_VERSION on /dev/kvm (12 on every kernel since 2.6.22). */
int kvm_api_version(int *ret);
