/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "journal.h"

int journal_new(Journal **ret)
{
	Journal *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

static void pf_clear(JournalPf *pf)
{
	for (size_t i = 0; i < pf->n_vfs; i++)
		free(pf->vfs[i].driver_override);
	free(pf->vfs);
}

void journal_free(Journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n_pfs; i++)
		pf_clear(&j->pfs[i]);
	free(j->pfs);
	free(j->attached);
	for (size_t i = 0; i < j->n_originals; i++) {
		free(j->originals[i].key);
		free(j->originals[i].value);
	}
	free(j->originals);
	free(j);
}

/* Grow an array by one zeroed element; returns it or NULL. */
static void *grow(void **array, size_t *n, size_t size)
{
	char *a = reallocarray(*array, *n + 1, size);

	if (!a)
		return NULL;
	*array = a;
	memset(a + *n * size, 0, size);
	return a + (*n)++ * size;
}

JournalPf *journal_find_pf(const Journal *j, const PciAddr *pf)
{
	for (size_t i = 0; i < j->n_pfs; i++)
		if (pci_addr_equal(&j->pfs[i].addr, pf))
			return &j->pfs[i];
	return NULL;
}

int journal_get_pf(Journal *j, const PciAddr *addr, JournalPf **ret)
{
	JournalPf *pf = journal_find_pf(j, addr);

	if (!pf) {
		pf = grow((void **)&j->pfs, &j->n_pfs, sizeof(*pf));
		if (!pf)
			return -ENOMEM;
		pf->addr = *addr;
		pf->autoprobe = -1;
	}
	*ret = pf;
	return 0;
}

int journal_record_numvfs(Journal *j, const PciAddr *addr, unsigned numvfs, int autoprobe)
{
	JournalPf *pf;

	if (journal_get_pf(j, addr, &pf) < 0)
		return -ENOMEM;
	if (!pf->numvfs_changed) {
		pf->numvfs_changed = true;
		pf->numvfs = numvfs;
	}
	if (pf->autoprobe < 0)
		pf->autoprobe = autoprobe;
	return 0;
}

int journal_record_vf(Journal *j, const PciAddr *addr, unsigned index, const char *driver_override,
		      const uint8_t *mac)
{
	JournalPf *pf;
	JournalVf *vf;

	if (journal_get_pf(j, addr, &pf) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index == index) {
			/* the MAC may be learnt after the driver_override */
			if (!pf->vfs[i].has_mac && mac) {
				memcpy(pf->vfs[i].mac, mac, 6);
				pf->vfs[i].has_mac = true;
			}
			return 0;
		}
	vf = grow((void **)&pf->vfs, &pf->n_vfs, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	vf->index = index;
	if (driver_override && !(vf->driver_override = strdup(driver_override))) {
		pf->n_vfs--;
		return -ENOMEM;
	}
	if (mac) {
		memcpy(vf->mac, mac, 6);
		vf->has_mac = true;
	}
	return 0;
}

void journal_forget_pf(Journal *j, const PciAddr *addr)
{
	JournalPf *pf = journal_find_pf(j, addr);

	if (!pf)
		return;
	pf_clear(pf);
	memmove(pf, pf + 1, (size_t)(j->pfs + j->n_pfs - pf - 1) * sizeof(*pf));
	j->n_pfs--;
}

int journal_add_attach(Journal *j, const char *vm_uuid, const PciAddr *pf, unsigned vf)
{
	JournalAttach *a;

	if (strlen(vm_uuid) >= sizeof(a->vm_uuid))
		return -EINVAL;
	journal_remove_attach(j, pf, vf);
	a = grow((void **)&j->attached, &j->n_attached, sizeof(*a));
	if (!a)
		return -ENOMEM;
	strcpy(a->vm_uuid, vm_uuid);
	a->pf = *pf;
	a->vf = vf;
	return 0;
}

bool journal_is_attached(const Journal *j, const PciAddr *pf, unsigned vf, const char **ret_uuid)
{
	for (size_t i = 0; i < j->n_attached; i++)
		if (pci_addr_equal(&j->attached[i].pf, pf) && j->attached[i].vf == vf) {
			if (ret_uuid)
				*ret_uuid = j->attached[i].vm_uuid;
			return true;
		}
	return false;
}

void journal_remove_attach(Journal *j, const PciAddr *pf, unsigned vf)
{
	for (size_t i = 0; i < j->n_attached; i++)
		if (pci_addr_equal(&j->attached[i].pf, pf) && j->attached[i].vf == vf) {
			memmove(&j->attached[i], &j->attached[i + 1], (j->n_attached - i - 1) * sizeof(JournalAttach));
			j->n_attached--;
			return;
		}
}

int journal_record_original(Journal *j, const char *key, const char *value)
{
	JournalKv *kv;

	if (journal_get_original(j, key))
		return 0;
	kv = grow((void **)&j->originals, &j->n_originals, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	kv->key = strdup(key);
	kv->value = strdup(value);
	if (!kv->key || !kv->value) {
		free(kv->key);
		free(kv->value);
		j->n_originals--;
		return -ENOMEM;
	}
	return 0;
}

const char *journal_get_original(const Journal *j, const char *key)
{
	for (size_t i = 0; i < j->n_originals; i++)
		if (streq(j->originals[i].key, key))
			return j->originals[i].value;
	return NULL;
}

void journal_forget_original(Journal *j, const char *key)
{
	for (size_t i = 0; i < j->n_originals; i++)
		if (streq(j->originals[i].key, key)) {
			free(j->originals[i].key);
			free(j->originals[i].value);
			memmove(&j->originals[i], &j->originals[i + 1], (j->n_originals - i - 1) * sizeof(JournalKv));
			j->n_originals--;
			return;
		}
}
