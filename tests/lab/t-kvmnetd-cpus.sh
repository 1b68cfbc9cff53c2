#!/bin/bash
# lab: nics=1 timeout=300
# kvmnetd's own CPU ([daemon] cpus) on the lab's real kernel and its two
# vCPUs: tests/daemon/test-kvmnetd-cpus.sh as it is (kvmnetd placed on
# one CPU, a busy loop pinned there, every thread moved to the other,
# `taskset -p` per thread and `kvmnetctl status` as the oracle).  Nothing
# else runs in the lab, so the other vCPU has room: its skip ("no room")
# counts as a failure here.  Waits are longer: TCG is slow.
# Env: KVMNET_BUILD_DIR = the meson build dir.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || lab_die "the lab has fewer than 2 vCPUs (KVMNET_LAB_SMP)"

lab_step "kvmnetd moves its threads off the CPU a busy loop takes"
rc=0
KVMNET_CPUS_WAIT=90 KVMNET_CPUS_START=60 bash "$KVMNET_SRC_DIR/tests/daemon/test-kvmnetd-cpus.sh" \
	"$B/kvmnetd" "$B/src/cli/kvmnetctl" "$KVMNET_SRC_DIR" || rc=$?
lab_assert_eq 0 "$rc" "test-kvmnetd-cpus.sh exit status (77: the other vCPU never had room)"
