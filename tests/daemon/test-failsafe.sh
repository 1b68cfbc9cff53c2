#!/bin/bash
# Fail-safe observation: what kvmnetd cannot read is unknown, and it never
# takes a step on an unknown.  kvmnetd runs for real (not --dry-run) on a
# copy of the fake igb host (tests/fixtures/sriov-igb-vfs, VFs 2 and 3 put
# on vfio-pci) with libvirt's test driver, holding VFs: its journal says it
# split the PF and gave VF 0 to vm-a and VF 2 to vm-b, and the test
# driver's vm-a and vm-b hold them; the split is active and converged.
# tests/lib/fault-inject.c (LD_PRELOAD) then makes, one phase at a time,
# the real libvirt calls and sysfs reads of kvmnetd's observation fail,
# time out or return what does not parse.  In every phase the test counts
# the steps kvmnetd takes (its log lines for detach, numvfs, bind, MAC,
# attach, done or failed; the fake tree; the journal; what libvirt shows
# each VM holding): there must be none.  After each phase the fault stops
# and kvmnetd must say the thing is known again and converge: both VMs on
# their VF, nothing unknown.
#   test-failsafe.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch failsafe
pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}

# The world: two VMs, each with a virtio NIC and one of the PF's VFs.
test_node "$(test_vm vm-a ef861801-45b9-11cb-88e3-afbfe5370493 0a 0x10 0x0)" \
	"$(test_vm vm-b 6695eb01-f6a4-8304-79aa-97f2502e193f 0b 0x10 0x4)" >"$T/node.xml"
uri="test://$T/node.xml"
fake_igb_host "$src" "$uri" "min_dwell = 1s" "headroom = 0"
echo "on_stop = revert" >>"$T/kvmnetd.conf" # [daemon] is its last section
kvmnetd_holding ef861801-45b9-11cb-88e3-afbfe5370493 6695eb01-f6a4-8304-79aa-97f2502e193f
preload=$(fault_preload "$fault_so")
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
: >"$T/faults"
: >"$T/injected"

LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
# Both VMs on their VF, nothing unknown, the split on: the converged state.
converged() {
	[ "$(view '[.daemon.view.mode, [.daemon.view.vms[] | .path, .vfs], (.daemon.view.unknowns | length)]')" = \
		'["active",["vf",1,"vf",1],0]' ]
}
wait_for 10 converged || { fail "no converged start: $(view .daemon.view)"; cat "$T/log"; }

# Every step kvmnetd carries out, done or failed, as plan-format.c says it.
steps='(detach PF|sriov_numvfs to|bind PF|MAC to|attach PF)'
snapshot() {
	find "$T/root" -printf '%p %l %s %T@\n' | sort >"$T/tree.$1"
	jq -c '[.active, .pfs, (.attached | sort_by(.vf))]' "$T/state/journal.json" >"$T/journal.$1"
}
snapshot start
grep -E "$steps" "$T/log" && fail "steps taken before any fault"
total_faults=0 total_steps=0

# phase NAME WHAT_UNKNOWN RULE...: inject the rules, ask for turns (SIGHUP,
# and kvmnetd's own re-checks of unknowns), let 3 s of turns go by (the
# dwell is 1 s), count the faults and the steps; then stop the fault and
# wait for kvmnetd to say WHAT_UNKNOWN is known again and converge.
phase() {
	local name=$1 what=$2 from faults n
	shift 2
	from=$(wc -l <"$T/log")
	before=$(wc -l <"$T/injected")
	printf '%s\n' "$@" >"$T/faults"
	kill -HUP "$pid"
	wait_for 10 grep -q "Unknown this turn: $what" "$T/log" || fail "$name: '$what' never said unknown"
	# (the view is published at the end of the turn that logged it)
	shows() { status >"$T/status.$name" 2>&1; grep -q "unknown: $what" "$T/status.$name"; }
	wait_for 10 shows || fail "$name: status does not show '$what': $(cat "$T/status.$name")"
	sleep 3
	kill -HUP "$pid"
	sleep 1
	faults=$(($(wc -l <"$T/injected") - before))
	n=$(tail -n +"$((from + 1))" "$T/log" | grep -cE "$steps")
	snapshot "$name"
	cmp -s "$T/tree.start" "$T/tree.$name" || { fail "$name: the fake tree changed"; diff "$T/tree.start" "$T/tree.$name"; }
	cmp -s "$T/journal.start" "$T/journal.$name" || fail "$name: journal changed: $(cat "$T/journal.$name")"
	# Every VM still known holds its VF (libvirt's test driver, in
	# kvmnetd's process, is seen through its view; with no list of
	# domains there is none).
	[ "$name" = list-error ] || [ "$(view '[.daemon.view.vms[] | select(.path != "unknown") | .vfs == 1] | all')" = true ] ||
		fail "$name: a VM lost its VF: $(view .daemon.view.vms)"
	[ "$faults" -gt 0 ] || fail "$name: no fault injected"
	[ "$n" = 0 ] || { fail "$name: $n step(s) taken on an unknown"; tail -n +"$((from + 1))" "$T/log" | grep -E "$steps"; }
	echo "phase $name: $faults fault(s) injected, $n step(s) taken"
	total_faults=$((total_faults + faults)) total_steps=$((total_steps + n))
	: >"$T/faults"
	kill -HUP "$pid"
	wait_for 10 grep -q "Known again: $what" "$T/log" || fail "$name: '$what' never known again"
	wait_for 10 converged || fail "$name: no convergence after the fault: $(view .daemon.view)"
}

# libvirt: metadata unreadable (before: an opt-out, and its VF detached).
phase metadata-error "VM vm-a" "virDomainGetMetadata vm-a fail"
# libvirt: metadata neither yes nor no (issue 19: manage='Yes').
phase metadata-bad "VM vm-b" "virDomainGetMetadata vm-b return text=<domain manage='Yes'/>"
# libvirt: metadata times out for both VMs (1.5 s each, every call).
phase metadata-timeout "VM vm-a" "virDomainGetMetadata * timeout ms=1500"
# libvirt: a VM's live XML cannot be read; then does not parse; then its
# UUID does not parse.
phase xml-error "VM vm-b" "virDomainGetXMLDesc vm-b fail"
phase xml-garbage "VM vm-a" "virDomainGetXMLDesc vm-a return text=<domain type='test'><name>vm-a"
phase xml-uuid "VM vm-a" "virDomainGetXMLDesc vm-a return text=<domain type='test' id='1'><name>vm-a</name><uuid>not-a-uuid</uuid><devices><interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x01' slot='0x10' function='0x0'/></source></interface></devices></domain>"
# libvirt: the domains cannot be listed at all.
phase list-error "libvirt's list of running domains" "virConnectListAllDomains * timeout ms=500"
# sysfs: the PF's sriov_numvfs cannot be read (before: the PF was dropped
# and the journal forgot both attachments).
phase numvfs-unreadable "PF 0000:01:00.0" "open 0000:01:00.0/sriov_numvfs fail errno=5"
# sysfs: a spare VF's driver link cannot be read (before: "no driver",
# and kvmnetd bound it to vfio-pci).
phase driver-unreadable "VF 3 of PF 0000:01:00.0" "readlink 0000:01:10.6/driver fail errno=13"
# sysfs: vm-b's VF's virtfn link names no PCI address (before: skipped,
# vm-b's attachment forgotten and VF 3 given to it on top).
phase vf-address "VF 2 of PF 0000:01:00.0" "readlink 0000:01:00.0/virtfn2 return text=../0000:zz:99.9"

echo "total: $total_faults fault(s) injected, $total_steps step(s) taken on unknowns"
[ "$total_steps" = 0 ] || fail "steps taken on unknowns: $total_steps"
# Said once each, not every turn.
n=$(grep -c "Unknown this turn: VM vm-a: kvmnet metadata unreadable: internal error" "$T/log")
[ "$n" = 1 ] || fail "the metadata unknown was logged $n times, not once"

# on_stop = revert while a VM is unknown: its holdings are not known, so
# nothing is given back (no detach, numvfs or unbind), the journal keeps
# it all, and the exit status says so.
from=$(wc -l <"$T/log")
echo "virDomainGetXMLDesc vm-b fail" >"$T/faults"
kill -HUP "$pid"
wait_for 10 grep -q "Unknown this turn: VM vm-b" "$T/log" || fail "revert: vm-b never said unknown"
snapshot before-revert
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" != 0 ] || fail "SIGTERM with an unknown VM and on_stop = revert: exit 0"
grep -q "Not giving VFs back: VM vm-b is unknown" "$T/log" || fail "revert: the unknown VM is not named"
n=$(tail -n +"$((from + 1))" "$T/log" | grep -cE "$steps|Detach|Gave")
[ "$n" = 0 ] || { fail "revert: $n step(s) taken with an unknown VM"; tail -n +"$((from + 1))" "$T/log"; }
snapshot after-revert
cmp -s "$T/tree.before-revert" "$T/tree.after-revert" || fail "revert: the fake tree changed"
cmp -s "$T/journal.start" "$T/journal.after-revert" || fail "revert: journal changed"
# A read that fails once at the stop (count=2: two calls) is looked at
# again, and the revert goes ahead (here to the detach, which libvirt's
# test driver does not support).
: >"$T/faults"
LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log2" &
pid=$!
wait_for 10 converged || fail "second start: no convergence: $(view .daemon.view)"
echo "virDomainGetXMLDesc vm-b fail count=2" >"$T/faults"
kill -TERM "$pid"
wait "$pid"
pid=
grep -q "Stopping: VM vm-b is unknown .*; looking again" "$T/log2" || fail "revert: a transient unknown was not looked at again"
grep -q "Not giving VFs back" "$T/log2" && fail "revert: gave up on a transient unknown"
grep -q "Detaching VF 0 of 0000:01:00.0 from vm-a" "$T/log2" || fail "revert: did not go ahead once all was known"
cat "$T/log2" >>"$T/log"
[ "$t_fails" = 0 ] || { echo "--- kvmnetd's log"; cat "$T/log"; }
t_done "kvmnetd fail-safe observation"
