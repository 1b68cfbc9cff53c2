/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "basic/macro.h"
#include "numvfs-retry.h"

NumvfsErrorKind numvfs_error_kind(int error)
{
	switch (-error) {
	case EBUSY:
	case EAGAIN:
	case EINTR:
		return NUMVFS_ERROR_TRANSIENT;
	case ENOSPC:
	case ENOMEM:
	case ERANGE:
	case EINVAL:
		return NUMVFS_ERROR_TOO_MANY;
	default:
		return NUMVFS_ERROR_PERMANENT;
	}
}

uint64_t numvfs_retry_backoff_us(unsigned attempts)
{
	uint64_t us = NUMVFS_RETRY_FIRST_US;

	for (unsigned i = 1; i < attempts && i < NUMVFS_RETRY_MAX; i++)
		us *= 2;
	return us;
}

NumvfsNext numvfs_retry_failed(NumvfsRetry *s, unsigned count, unsigned need, int error, uint64_t now_us)
{
	NumvfsErrorKind kind = numvfs_error_kind(error);
	unsigned attempts = s->next != NUMVFS_NEXT_NONE && s->count == count ? s->attempts + 1 : 1;

	s->count = count;
	s->error = error;
	s->attempts = attempts;
	s->need = need;
	s->retry_at_us = 0;
	if (kind == NUMVFS_ERROR_TRANSIENT && attempts < NUMVFS_RETRY_MAX) {
		s->next = NUMVFS_NEXT_RETRY;
		s->retry_at_us = now_us + numvfs_retry_backoff_us(attempts);
	} else if (kind == NUMVFS_ERROR_TOO_MANY && count > need) {
		/* Fewer VFs need fewer vectors: what the VMs need may fit. */
		s->next = NUMVFS_NEXT_FALLBACK;
		if (s->refused == 0 || count < s->refused) {
			s->refused = count;
			s->refused_error = error;
		}
	} else
		s->next = NUMVFS_NEXT_GIVE_UP;
	return s->next;
}

void numvfs_retry_succeeded(NumvfsRetry *s, unsigned count)
{
	s->next = NUMVFS_NEXT_NONE;
	s->attempts = 0;
	s->retry_at_us = 0;
	if (s->refused != 0 && count >= s->refused) {
		s->refused = 0;
		s->refused_error = 0;
	}
}

bool numvfs_retry_allows(const NumvfsRetry *s, unsigned count, uint64_t now_us)
{
	if (s->refused != 0 && count >= s->refused)
		return false;
	if (s->next == NUMVFS_NEXT_NONE || s->count != count)
		return true;
	switch (s->next) {
	case NUMVFS_NEXT_RETRY:
		return now_us >= s->retry_at_us;
	case NUMVFS_NEXT_FALLBACK:
	case NUMVFS_NEXT_GIVE_UP:
	default:
		return false;
	}
}

uint64_t numvfs_retry_wakeup(const NumvfsRetry *s)
{
	return s->next == NUMVFS_NEXT_RETRY ? s->retry_at_us : 0;
}

const char *numvfs_next_to_string(NumvfsNext n)
{
	static const char *const names[] = {
		[NUMVFS_NEXT_NONE] = NULL,
		[NUMVFS_NEXT_RETRY] = "retrying",
		[NUMVFS_NEXT_FALLBACK] = "fell-back",
		[NUMVFS_NEXT_GIVE_UP] = "given-up",
	};

	return (unsigned)n < ELEMENTSOF(names) ? names[n] : NULL;
}
