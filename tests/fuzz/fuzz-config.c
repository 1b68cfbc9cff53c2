/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/strv.h"
#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Either a config or a non-empty list of messages, never both, never
 * neither; every message names the file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	char **errors = NULL;
	Config *c = NULL;
	int r;

	if (!text)
		return 0;
	r = config_parse_string(text, "fuzz.conf", &c, &errors);
	if (r == 0) {
		if (errors || !c || c->n_pfs == 0 || c->threshold == 0 || c->vfs_per_vm == 0)
			abort();
	} else if (r == -EINVAL) {
		if (c || !errors || !errors[0])
			abort();
		STRV_FOREACH(e, errors)
			if (strncmp(*e, "fuzz.conf:", 10) != 0)
				abort();
	}
	config_free(c);
	strv_free(errors);
	free(text);
	return 0;
}
