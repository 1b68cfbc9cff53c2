/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/guest-agent-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* guest-exec's reply and the error replies of any command. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t pid = 0;
	char *desc = NULL;
	int r = ga_parse_exec((const char *)data, size, &pid), e = ga_parse_error((const char *)data, size, &desc);

	/* A pid is only ever what the schema allows; what one parser calls
	 * an error reply, the other does too. */
	if ((r == 0 && (pid < 1 || pid > INT32_MAX)) || ((r == -EREMOTEIO) != (e == 0)) || (e == 0 && !desc))
		abort();
	free(desc);
	return 0;
}
