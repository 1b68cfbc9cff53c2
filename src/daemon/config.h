/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/cpuset.h"
#include "basic/inet-addr.h"
#include "basic/pci-addr.h"
#include "core/plan.h"
#include "daemon/config-balloon.h"
#include "daemon/config-cpus.h"

/*
 * kvmnetd.conf(5): an INI file read with inih.  Every key is known; an
 * unknown section or key, a bad value or a key set twice is an error that
 * names the file and the line, and the daemon does not start.
 */

#define CONFIG_DEFAULT_URI "qemu:///system"
#define CONFIG_DEFAULT_THRESHOLD 4U
#define CONFIG_DEFAULT_VFS_PER_VM 1U
#define CONFIG_DEFAULT_MIN_DWELL_US (30ULL * 1000000ULL)
/* [sriov] headroom = max: the value, as PlanParams.headroom takes it. */
#define CONFIG_HEADROOM_MAX UINT_MAX
#define CONFIG_DEFAULT_HEADROOM CONFIG_HEADROOM_MAX
/* The most spare VFs a number may ask for: one PF's SR-IOV TotalVFs field
 * cannot say more. */
#define CONFIG_HEADROOM_LIMIT 65535U
/* [sriov] parallel_attach: below libvirtd's max_client_requests (5), so
 * that a call of the next observation is not queued behind the attaches. */
#define CONFIG_DEFAULT_PARALLEL_ATTACH 4U
#define CONFIG_PARALLEL_ATTACH_MAX 64U
/* [sriov] numa: a node's VFs first, any VF rather than none. */
#define CONFIG_DEFAULT_NUMA PLAN_NUMA_PREFERRED
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/kvmnet"
#define CONFIG_DEFAULT_IRQ_INTERVAL_US 1000000ULL
#define CONFIG_DEFAULT_BUSY_PERCENT 80U
/* Past this many PFs the config is surely a mistake (and bounds fuzzing). */
#define CONFIG_MAX_PFS 64U

typedef enum OnStop {
	ON_STOP_KEEP,	/* leave VFs and tuning in place when the daemon stops */
	ON_STOP_REVERT, /* detach, numvfs back, original values restored */
} OnStop;

/* A [sriov] pf= entry: either a PCI address or a netdev name, as written. */
typedef struct ConfigPf {
	bool is_pci;
	PciAddr addr;	       /* when is_pci */
	char ifname[IF_NAMESIZE]; /* when !is_pci */
	unsigned line;	       /* where it was set, for later messages */
} ConfigPf;

/* How kvmnetd coexists with irqbalance (see kvmnetd.conf(5), [irq]). */
typedef enum IrqbalanceMode {
	IRQBALANCE_BAN,	   /* tell it over its socket to leave our vectors alone */
	IRQBALANCE_STOP,   /* stop it, as the source document does */
	IRQBALANCE_IGNORE, /* leave it be (it may move our vectors again) */
} IrqbalanceMode;

/* [irq]: only in effect when the section is in the file. */
typedef struct ConfigIrq {
	bool enabled;	    /* an [irq] section was given */
	ConfigPf *nics;	    /* nic=; none: the [sriov] PFs */
	unsigned n_nics;
	bool has_cpus;	    /* cpus= was given */
	CpuSet cpus;
	uint64_t interval_us;
	unsigned busy_percent;
	IrqbalanceMode irqbalance;
} ConfigIrq;

/* [tune]: each part off unless set to yes. */
typedef struct ConfigTune {
	bool sched;
	bool io_scheduler;
	bool cgroups;
} ConfigTune;

typedef struct Config {
	char *libvirt_uri;
	ConfigPf *pfs;
	unsigned n_pfs;
	unsigned threshold;
	unsigned vfs_per_vm;
	uint64_t min_dwell_us;
	unsigned headroom; /* spare VFs; CONFIG_HEADROOM_MAX: up to sriov_totalvfs */
	unsigned parallel_attach; /* attaches in flight at once, 1: one by one */
	PlanNuma numa;		  /* [sriov] numa: the VMs' NUMA policy, never PLAN_NUMA_DEFAULT */
	bool resize_drain;	  /* [sriov] resize = drain (core/plan.h D1-D3); default never */
	char *state_dir;
	OnStop on_stop;
	int log_level; /* LOG_LEVEL_* */
	ConfigDaemonCpus cpus;
	ConfigIrq irq;
	ConfigTune tune;
	ConfigBalloon balloon;
	/* [metrics] listen: where /metrics is served; off unless set. */
	bool metrics_listen_set;
	InetAddr metrics_listen;
} Config;

/* A config with every default; ret is freed with config_free(). */
int config_new(Config **ret);
void config_free(Config *c);
static inline void config_freep(Config **c)
{
	config_free(*c);
}
#define _cleanup_config_free_ __attribute__((cleanup(config_freep)))

/*
 * Parse INI text.  `filename` is only used in messages.  On -EINVAL,
 * *ret_errors (if not NULL) receives a NULL-terminated list of messages,
 * "FILE:LINE: KEY: expected ..., got '...'", in the order of the file;
 * it is left NULL on success.  Other negative errnos are allocation errors.
 */
int config_parse_string(const char *text, const char *filename, Config **ret, char ***ret_errors);
/* Read the file at `path` (as given, not below $KVMNET_SYSROOT: the
 * daemon's caller decides the root) and parse it.  A file that cannot be
 * read (missing, a directory, a FIFO, which is never waited on, over
 * 1 MiB) gives its -errno and one message naming the path and what was
 * expected; binary data (a NUL byte) -EBADMSG and a message with its line. */
int config_load(const char *path, Config **ret, char ***ret_errors);

const char *on_stop_to_string(OnStop o);
/* "max" or the number, into buf. */
const char *headroom_to_string(unsigned headroom, char buf[static 16]);
const char *irqbalance_mode_to_string(IrqbalanceMode m);
/* "0000:03:00.0" or "enp3s0" into buf. */
const char *config_pf_to_string(const ConfigPf *pf, char buf[static IF_NAMESIZE + PCI_ADDR_STRLEN]);
/* Whether s is acceptable to the kernel as an interface name
 * (dev_valid_name(): 1..15 bytes, no '/', ':' or white space, not "." or ".."). */
bool ifname_valid(const char *s);
