#!/bin/bash
# When the NIC says no: a write to sriov_numvfs fails, as it can on real
# NICs where the emulated igb never does (ENOSPC when the PF runs out of
# MSI-X vectors, EBUSY while a VF is in reset, EIO).  kvmnetd runs for real
# (not --dry-run) on a copy of the fake igb host (tests/fixtures/
# sriov-igb-vfs with numvfs 0, sriov_totalvfs 4, its VFs driverless and the
# PF without a netdev, so nothing goes to rtnetlink) with libvirt's test
# driver: two running VMs with a virtio NIC each, threshold 2, so the split
# starts at once and wants 2 VFs (4 with headroom = max).  A loop of this
# test plays the kernel's part of a bind (a VF whose driver_override says
# vfio-pci gets its driver link).  tests/lib/fault-inject.c (LD_PRELOAD)
# fails the daemon's write(2) to sriov_numvfs with a chosen errno, a
# chosen number of times or for a chosen value, and logs every write to
# it (rule action "pass"): the count of write attempts comes from there.
# Checked, one daemon per case:
#   ebusy     EBUSY twice, then success: retried after 1 s and 2 s (not at
#             once), the retries logged, converged on 2 VFs; status and
#             /metrics show how long the numvfs change (slowed to 0.3 s)
#             and the vfio-pci binds (drivers_probe slowed to 0.2 s) took.
#   enospc    headroom = max, ENOSPC on 4: one write of 4, then 2 (what the
#             VMs need), said in the log and in status, nothing after.
#   eio       EIO on every write: one write over several turns (no loop),
#             status shows the errno and the count tried, the VMs wait.
# libvirt's test driver cannot attach devices: after numvfs the attaches
# fail (and back off); they are not what this test is about.
#   test-numvfs-refused.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
t_scratch numvfs-refused
pid= kpid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	[ -z "$kpid" ] || { kill "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null; }
}

test_node "$(test_vm vm-a ef861801-45b9-11cb-88e3-afbfe5370493 0a)" \
	"$(test_vm vm-b 6695eb01-f6a4-8304-79aa-97f2502e193f 0b)" >"$T/node.xml"
uri="test://$T/node.xml"
preload=$(fault_preload "$fault_so")
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pfdir=pci0000:00/0000:00:01.0/0000:01:00.0

# world HEADROOM: a fresh tree, state directory and config.
world() {
	rm -rf "$T/root" "$T/state" "$T/cli-root"
	fake_igb_host "$src" "$uri" "headroom = $1"
	printf '[metrics]\nlisten = 127.0.0.1:%s\n' "$port" >>"$T/kvmnetd.conf"
	devs=$T/root/sys/devices/pci0000:00/0000:00:01.0
	echo 0 >"$devs/0000:01:00.0/sriov_numvfs"
	echo 4 >"$devs/0000:01:00.0/sriov_totalvfs"
	rm -rf "$devs/0000:01:00.0/net" "$T/root/sys/class/net/enp1s0"
	for vf in "$devs"/0000:01:10.*; do
		rm -f "$vf/driver"
		echo '(null)' >"$vf/driver_override"
	done
	cp -a "$T/root" "$T/cli-root"
	: >"$T/injected"
}

# The kernel's part of a bind: driver_override vfio-pci, then a driver.
fake_kernel() {
	while :; do
		for vf in "$devs"/0000:01:10.*; do
			[ -L "$vf/driver" ] || [ "$(cat "$vf/driver_override" 2>/dev/null)" != vfio-pci ] ||
				ln -s ../../../../bus/pci/drivers/vfio-pci "$vf/driver"
		done
		sleep 0.05
	done
}

start() {
	LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log.$1" &
	pid=$!
	fake_kernel &
	kpid=$!
	log=$T/log.$1
}
stop() {
	kill -TERM "$pid"
	wait "$pid" || fail "$1: kvmnetd exited $?"
	kill "$kpid"
	wait "$kpid" 2>/dev/null
	pid= kpid=
	grep -E "LeakSanitizer|runtime error|AddressSanitizer" "$log" && fail "$1: sanitizer report"
	[ "$t_fails" = 0 ] || { echo "--- kvmnetd's log ($1)"; cat "$log"; echo "--- injected"; cat "$T/injected"; }
}
pf() { status --json 2>/dev/null | jq -c ".daemon.view.pfs[0] | $1" 2>/dev/null; }
numvfs() { cat "$devs/0000:01:00.0/sriov_numvfs"; }
writes() { grep -c "^write .*sriov_numvfs" "$T/injected"; }
metrics() { curl -sf "http://127.0.0.1:$port/metrics"; }
# turns N: ask for N turns a second apart (SIGHUP reloads and decides).
turns() {
	for _ in $(seq "$1"); do
		kill -HUP "$pid"
		sleep 1
	done
}

# --- EBUSY twice, then the write goes through --------------------------
world 0
cat >"$T/faults" <<EOF
write $pfdir/sriov_numvfs fail errno=16 count=2
write $pfdir/sriov_numvfs pass ms=300
write drivers_probe pass ms=200
EOF
start ebusy
t0=$(date +%s.%N)
wait_for 20 grep -q "^write .*sriov_numvfs pass" "$T/injected" || fail "ebusy: the write never went through"
t1=$(date +%s.%N)
[ "$(grep -c "^write .*sriov_numvfs fail" "$T/injected")" = 2 ] || fail "ebusy: not 2 refused writes: $(cat "$T/injected")"
# 1 s, then 2 s: a backoff, not a loop.
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 2.9) }' || fail "ebusy: 3 writes within $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
echo "ebusy: the third write $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s after the start"
grep -q "PF 0000:01:00.0 refused sriov_numvfs 2: Device or resource busy (EBUSY), write 1 of at most 5; trying again in 1.0 s" "$log" ||
	fail "ebusy: first retry not logged"
grep -q "refused sriov_numvfs 2: Device or resource busy (EBUSY), write 2 of at most 5; trying again in 2.0 s" "$log" ||
	fail "ebusy: second retry not logged"
wait_for 5 grep -q "PF 0000:01:00.0 took sriov_numvfs 2 (after sriov_numvfs 2 failed 2 time(s): EBUSY)" "$log" ||
	fail "ebusy: the success after the retries not logged"
# The view of the turn after (the attach failures back off: 1 s or more).
converged() { [ "$(pf '[.numvfs, .vfio_binds]')" = '[2,2]' ]; }
wait_for 15 converged || fail "ebusy: status does not show numvfs 2 and the binds: $(pf .)"
[ "$(numvfs)" = 2 ] || fail "ebusy: numvfs $(numvfs), not 2"
[ "$(pf '[.numvfs, .numvfs_failure, .numvfs_refused, .numvfs_change_to]')" = '[2,null,null,2]' ] ||
	fail "ebusy: status: $(pf .)"
[ "$(pf '.numvfs_change_seconds >= 0.3 and .numvfs_change_seconds < 5')" = true ] ||
	fail "ebusy: numvfs change time $(pf .numvfs_change_seconds), the write took 0.3 s"
[ "$(pf '.vfio_bind_max_seconds >= 0.2 and .vfio_bind_seconds >= 0.2 and .vfio_bind_max_seconds >= .vfio_bind_seconds')" = true ] ||
	fail "ebusy: bind times $(pf '[.vfio_bind_seconds, .vfio_bind_max_seconds]'), each bind took 0.2 s"
status >"$T/status.ebusy" 2>&1
grep -qE "PF 0000:01:00.0: sriov_numvfs 2 took 0\.[3-9][0-9]* s; vfio-pci bind took 0\.[2-9][0-9]* s \(longest 0\.[2-9][0-9]* s of 2\)" "$T/status.ebusy" ||
	fail "ebusy: status text: $(cat "$T/status.ebusy")"
metrics >"$T/metrics.ebusy" || fail "ebusy: GET /metrics"
for m in kvmnet_pf_numvfs_change_seconds kvmnet_pf_vfio_bind_seconds kvmnet_pf_vfio_bind_max_seconds; do
	grep -q "^# TYPE $m gauge" "$T/metrics.ebusy" || fail "ebusy: no gauge $m"
done
awk '/^kvmnet_pf_numvfs_change_seconds\{pf="0000:01:00.0",address="0000:01:00.0"\}/ { ok = $2 >= 0.3 } END { exit !ok }' \
	"$T/metrics.ebusy" || fail "ebusy: kvmnet_pf_numvfs_change_seconds: $(grep numvfs_change "$T/metrics.ebusy")"
awk '/^kvmnet_pf_vfio_bind_max_seconds\{/ { ok = $2 >= 0.2 } END { exit !ok }' "$T/metrics.ebusy" ||
	fail "ebusy: kvmnet_pf_vfio_bind_max_seconds: $(grep vfio_bind "$T/metrics.ebusy")"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/metrics.ebusy" || fail "ebusy: promtool check metrics"
fi
# Converged: more turns write nothing.
turns 3
[ "$(writes)" = 3 ] || fail "ebusy: $(writes) numvfs writes after 3 more turns, expected 3"
stop ebusy

# --- headroom = max, ENOSPC on 4: what the VMs need, once ------------
world max
cat >"$T/faults" <<EOF
write $pfdir/sriov_numvfs fail errno=28 data=4
write $pfdir/sriov_numvfs pass
EOF
start enospc
fell() { [ "$(numvfs)" = 2 ]; }
wait_for 15 fell || fail "enospc: numvfs $(numvfs), not 2 (what the VMs need)"
wait_for 5 grep -q "PF 0000:01:00.0 refused sriov_numvfs 4: No space left on device (ENOSPC): it cannot have that many VFs; falling back to what the VMs need, 2, without headroom" "$log" ||
	fail "enospc: the fallback is not logged"
shows() { [ "$(pf '.numvfs_refused | [.count, .error]')" = '[4,"ENOSPC"]' ]; }
wait_for 10 shows || fail "enospc: status does not show the refusal: $(pf .)"
status >"$T/status.enospc" 2>&1
grep -q "PF 0000:01:00.0: sriov_numvfs 4 refused: No space left on device (ENOSPC); staying below it, without headroom" "$T/status.enospc" ||
	fail "enospc: status text: $(cat "$T/status.enospc")"
metrics | grep -q '^kvmnet_pf_numvfs_refused{pf="0000:01:00.0",address="0000:01:00.0",error="ENOSPC"} 4$' ||
	fail "enospc: no kvmnet_pf_numvfs_refused"
turns 3
grep "sriov_numvfs" "$T/injected" | awk '{ print $3, $5 }' >"$T/writes.enospc"
[ "$(tr '\n' ' ' <"$T/writes.enospc")" = "fail 4 pass 2 " ] ||
	fail "enospc: numvfs writes were: $(tr '\n' ' ' <"$T/writes.enospc"), expected 4 refused then 2"
[ "$(pf .numvfs_wanted)" = 2 ] || fail "enospc: the plan wants $(pf .numvfs_wanted) again"
stop enospc

# --- EIO on every write: given up, no loop ----------------------------
world max
echo "write $pfdir/sriov_numvfs fail errno=5" >"$T/faults"
start eio
wait_for 10 grep -q "^write .*sriov_numvfs fail" "$T/injected" || fail "eio: no write refused"
gave_up() { [ "$(pf '.numvfs_failure | [.count, .error, .errno, .next, .attempts]')" = '[4,"EIO",5,"given-up",1]' ]; }
wait_for 10 gave_up || fail "eio: status: $(pf .numvfs_failure)"
turns 5
n=$(writes)
echo "eio: $n numvfs write(s) over 5 more turns"
[ "$n" = 1 ] || fail "eio: $n numvfs writes, expected 1"
[ "$(numvfs)" = 0 ] || fail "eio: numvfs $(numvfs)"
wait_for 5 grep -q "PF 0000:01:00.0 refused sriov_numvfs 4: Input/output error (EIO), write 1; giving that count up" "$log" ||
	fail "eio: giving up not logged"
[ "$(status --json | jq -c '[.daemon.view.vms[] | .waiting_for, .waiting_on_pf]')" = \
	'["numvfs-failed","0000:01:00.0","numvfs-failed","0000:01:00.0"]' ] ||
	fail "eio: the VMs do not wait on the refused numvfs: $(status --json | jq -c .daemon.view.vms)"
status >"$T/status.eio" 2>&1
grep -q "PF 0000:01:00.0: sriov_numvfs 4 refused: Input/output error (EIO), 1 time(s); given up" "$T/status.eio" ||
	fail "eio: status text: $(cat "$T/status.eio")"
metrics | grep -q '^kvmnet_pf_numvfs_failed{pf="0000:01:00.0",address="0000:01:00.0",error="EIO",next="given-up"} 4$' ||
	fail "eio: no kvmnet_pf_numvfs_failed"
stop eio

t_done "kvmnetd when the NIC says no"
