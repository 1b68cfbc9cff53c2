/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The state journal: what kvmnetd changed and the values it found before,
 * so that a restart (even after SIGKILL) knows which VFs are its own and
 * `on_stop = revert` can give everything back.  The kernel and libvirt
 * stay the truth; the journal only says whose a change was and what was
 * there before.  Kept as STATE_DIR/journal.json, replaced atomically.
 *
 * Originals are recorded once: recording again keeps the first value, so
 * the value from before the daemon ever touched a thing survives any
 * number of restarts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/pci-addr.h"

#define JOURNAL_FILE "journal.json"
#define JOURNAL_VERSION 1

typedef struct JournalVf {
	unsigned index;
	char *driver_override; /* NULL: none was set */
	bool has_mac;
	uint8_t mac[6];
} JournalVf;

typedef struct JournalPf {
	PciAddr addr;
	bool numvfs_changed; /* the daemon wrote sriov_numvfs */
	unsigned numvfs;     /* ... and found this there */
	int autoprobe;	     /* sriov_drivers_autoprobe found, -1: untouched */
	JournalVf *vfs;
	size_t n_vfs;
} JournalPf;

/* A VF the daemon attached to a domain. */
typedef struct JournalAttach {
	char vm_uuid[37];
	PciAddr pf;
	unsigned vf;
} JournalAttach;

/* Generic originals, for the tuning and IRQ parts: a key they choose (a
 * path such as /proc/irq/42/smp_affinity_list) and the value found. */
typedef struct JournalKv {
	char *key;
	char *value;
} JournalKv;

typedef struct Journal {
	bool active;
	uint64_t below_since_us;
	JournalPf *pfs;
	size_t n_pfs;
	JournalAttach *attached;
	size_t n_attached;
	JournalKv *originals;
	size_t n_originals;
} Journal;

int journal_new(Journal **ret);
void journal_free(Journal *j);
static inline void journal_freep(Journal **j)
{
	journal_free(*j);
}
#define _cleanup_journal_free_ __attribute__((cleanup(journal_freep)))

/* JSON text <-> journal.  Parsing is strict (types, version, addresses);
 * on -EBADMSG *ret_error (if not NULL) says what is wrong. */
int journal_to_json(const Journal *j, char **ret);
int journal_from_json(const char *text, Journal **ret, char **ret_error);

/*
 * DIR/journal.json.  A missing file (or DIR) is an empty journal.  A
 * corrupt one gives -EBADMSG, one of a newer version -EPROTONOSUPPORT
 * ("journal version 3 is newer than this kvmnetd understands (1)"), one
 * that cannot be read its -errno (-ELOOP a symlink, -EBADFD not a regular
 * file, -EFBIG too large); each with *ret_error naming the file once and
 * the fault.  The file is never moved or changed here: what it holds may
 * be the only record of the host's original values, so only the operator
 * decides (journal_set_aside()).  Reading is linear in the file's size and
 * never blocks (a FIFO is refused, not opened for reading).  A leftover
 * journal.json.tmp (a crash while saving) is ignored.
 */
int journal_load(const char *dir, Journal **ret, char **ret_error);
/* Set DIR/journal.json aside as journal.json.corrupt-YYYYMMDDTHHMMSSZ
 * (a suffix .N if that exists: no copy is ever overwritten); *ret_name is
 * the new name.  -ENOENT when there is no journal. */
#define JOURNAL_SET_ASIDE_PREFIX JOURNAL_FILE ".corrupt-"
int journal_set_aside(const char *dir, char **ret_name);
/* The names of the copies set aside in DIR (NULL: none). */
int journal_list_set_aside(const char *dir, char ***ret);
/* Write journal.json.tmp, fsync, rename over journal.json, fsync DIR. */
int journal_save(const Journal *j, const char *dir);

/* Lookups and first-time records. */
JournalPf *journal_find_pf(const Journal *j, const PciAddr *pf);
/* The PF's entry, made empty (autoprobe -1) if missing. */
int journal_get_pf(Journal *j, const PciAddr *pf, JournalPf **ret);
int journal_record_numvfs(Journal *j, const PciAddr *pf, unsigned numvfs, int autoprobe);
int journal_record_vf(Journal *j, const PciAddr *pf, unsigned index, const char *driver_override,
		      const uint8_t *mac /* NULL: unknown */);
/* After a PF was given back (numvfs restored), forget it. */
void journal_forget_pf(Journal *j, const PciAddr *pf);

int journal_add_attach(Journal *j, const char *vm_uuid, const PciAddr *pf, unsigned vf);
bool journal_is_attached(const Journal *j, const PciAddr *pf, unsigned vf, const char **ret_uuid);
void journal_remove_attach(Journal *j, const PciAddr *pf, unsigned vf);

int journal_record_original(Journal *j, const char *key, const char *value);
const char *journal_get_original(const Journal *j, const char *key);
void journal_forget_original(Journal *j, const char *key);
