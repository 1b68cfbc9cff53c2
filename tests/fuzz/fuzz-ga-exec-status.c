/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/guest-agent-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GaExecStatus st;

	if (ga_parse_exec_status((const char *)data, size, &st) < 0)
		return 0;
	/* Decoded output is NUL-terminated at its length. */
	if ((st.out && st.out[st.out_len] != 0) || (st.err && st.err[st.err_len] != 0) ||
	    (!st.out && st.out_len) || (!st.err && st.err_len))
		abort();
	ga_exec_status_done(&st);
	return 0;
}
