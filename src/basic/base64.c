/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out;
	size_t n = 0, pad = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (!s && len > 0)
		return -EINVAL;
	if (len > BASE64_DECODE_MAX)
		return -EFBIG;
	/* Padding: at most two '=', only at the end, only to a full group. */
	while (pad < len && pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return -EINVAL;
	len -= pad;
	if (len % 4 == 1)
		return -EINVAL;
	out = malloc(len / 4 * 3 + 3);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		int v = sextet(s[i]);

		if (v < 0) {
			free(out);
			return -EINVAL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* The bits left over from a short last group must be zero, so that
	 * each byte string has exactly one encoding. */
	if (acc & ((1u << bits) - 1)) {
		free(out);
		return -EINVAL;
	}
	out[n] = 0;
	*ret = out;
	*ret_len = n;
	return 0;
}

char *base64_encode(const uint8_t *p, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = alphabet[v >> 18 & 63];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? alphabet[v & 63] : '=';
	}
	*o = 0;
	return out;
}
