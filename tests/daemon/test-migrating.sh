#!/bin/bash
# Live migration awareness (core/plan.h G1, G2) and where each VM's
# traffic goes in `kvmnetctl status` -- ON FAKES: kvmnetd runs for real
# (not --dry-run) on a copy of the fake igb host (tests/fixtures/
# sriov-igb-vfs, its PF's netdev left out so that no MAC is set over
# rtnetlink) with libvirt's in-process test driver, which can neither
# migrate nor attach.  What libvirt says of a migration is made up by the
# LD_PRELOAD interposer tests/lib/fault-inject.c: virDomainGetState
# (paused for migration, running after a cancelled one) and
# virDomainGetJobStats (an outgoing migration job, or a failure).  A real
# migration between two libvirt hosts needs the lab
# (tests/lab/t-migrate.sh).
#
# The world: vm-a holds VF 0 (teamed with its virtio NIC) and vm-b VF 2,
# both given by kvmnetd (journal), VF 3 is a spare; vm-c, teamed, has no
# VF and is arriving by migration (paused for it); vm-d opted out.  Then:
#   incoming   vm-c is given nothing (before: VF 3 attached to it)
#   outgoing   vm-b, in an outgoing migration job, opts out: it keeps its
#              VF (before: detached)
#   job-error  vm-a's job cannot be read, and it opts out: vm-a is unknown
#              with the cause and keeps its VF (before: detached)
#   pending    vm-a opts out, its guest never lets go: vf-pending, detach
#              (before: shown opted-out while the VF was still there)
#   cancelled  vm-b runs on after a cancelled migration, no job: it is
#              ordinary (vf), nothing is done to it
#   resumed    vm-c runs here, its incoming job not over (job statistics
#              refused, as QEMU's driver does on the destination): still
#              migrating, given nothing (before: unknown)
#   arrived    vm-c runs here, its job over (no event: kvmnetd looks again
#              by itself), vm-d opts in: vm-c is given VF 3 with its
#              pair's MAC (vf-pending, attach: the test driver refuses it),
#              vm-d has no VF left (virtio, pf-busy)
#   revert     on_stop = revert with vm-b migrating out: nothing is given
#              back (before: vm-b's VF detached), exit not 0
#   test-migrating.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch migrating
pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}

{
	echo "<node><cpu><mhz>2400</mhz><model>x86_64</model><active>4</active><nodes>1</nodes><sockets>1</sockets>"
	echo "<cores>4</cores><threads>1</threads></cpu><memory>8388608</memory>"
	domain vm-a ef861801-45b9-11cb-88e3-afbfe5370493 \
		"$(virtio 52:54:00:00:0a:01 ua-net-a) $(vf 52:54:00:00:0a:01 0x0 ua-net-a)"
	domain vm-b 6695eb01-f6a4-8304-79aa-97f2502e193f "$(virtio 52:54:00:00:0b:02) $(vf 52:54:00:00:0b:01 0x4)"
	domain vm-c 3f0e7c52-9a0b-4d8e-b7a1-52d10c9e0c03 "$(virtio 52:54:00:7e:10:01 ua-net-c)"
	domain vm-d 3f0e7c52-9a0b-4d8e-b7a1-52d10c9e0d04 "$(virtio 52:54:00:00:0d:02)"
	echo "</node>"
} >"$T/node.xml"
uri="test://$T/node.xml"
fake_igb_host "$src" "$uri" "min_dwell = 1s" "headroom = 0"
rm -r "$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/net"
kvmnetd_holding ef861801-45b9-11cb-88e3-afbfe5370493 6695eb01-f6a4-8304-79aa-97f2502e193f
preload=$(fault_preload "$fault_so")
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
: >"$T/injected"
# libvirt's numbers: state 3 paused, reason 2 migration; state 1 running,
# reason 6 migration cancelled; job type 2 unbounded, operation 5
# migration out.
incoming="virDomainGetState vm-c return text=3 2"
d_out="virDomainGetMetadata vm-d return text=<domain manage='no'/>"
printf '%s\n' "$incoming" "$d_out" >"$T/faults"

LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
# vm NAME FIELDS: the VM's fields, e.g. '[.path, .vfs]'
vm() { view ".daemon.view.vms[] | select(.name == \"$1\") | $2"; }
steps='(detach PF|sriov_numvfs to|bind PF|MAC to|attach PF)'

# phase NAME RULE...: the rules (beside the ones every phase keeps) in
# place, a turn asked for (SIGHUP), and 3 s of turns (kvmnetd looks
# again every 2 s while something is unknown, 5 s while a detach waits).
phase() {
	name=$1
	shift
	from=$(wc -l <"$T/log")
	printf '%s\n' "$@" >"$T/faults"
	kill -HUP "$pid"
	sleep 3
	kill -HUP "$pid"
	sleep 1
	status >"$T/status.$name" 2>&1
	echo "--- $name"
	grep "^    VM vm-" "$T/status.$name"
}
# The steps kvmnetd took (done or failed) since the phase began.
taken() { tail -n +"$((from + 1))" "$T/log" | grep -E "$steps"; }

settled() { [ "$(vm vm-c .path)" = '"migrating"' ] && [ "$(vm vm-a .path)" = '"vf"' ]; }
wait_for 10 settled || fail "start: not settled: $(view .daemon.view.vms)"
from=0
name=incoming
# The first turns, and 3 s more of them.
kill -HUP "$pid"
sleep 3
status >"$T/status.incoming" 2>&1

# incoming: vm-c waits, paused for migration, its spare not given.
[ "$(vm vm-c '[.path, .vfs, .migration, .waiting_for]')" = '["migrating",0,"paused for migration","migrating"]' ] ||
	fail "incoming: vm-c: $(vm vm-c .)"
grep -q "VM vm-c .* migrating  0 VF(s)  waiting: migrating (paused for migration)" "$T/status.incoming" ||
	fail "incoming: table: $(cat "$T/status.incoming")"
# vf: vm-a holds its VF, the transient member of its pair; vm-b's is not
[ "$(vm vm-a '[.path, .vfs, .teamed]')" = '["vf",1,true]' ] || fail "start: vm-a: $(vm vm-a .)"
[ "$(vm vm-b '[.path, .vfs, .teamed]')" = '["vf",1,false]' ] || fail "start: vm-b: $(vm vm-b .)"
grep -q "VM vm-a .* vf         1 VF(s), teamed" "$T/status.incoming" || fail "start: table: no teamed vm-a"
[ "$(vm vm-d .path)" = '"opted-out"' ] || fail "start: vm-d: $(vm vm-d .)"
grep -q "wait: VM vm-c is being migrated" "$T/log" || fail "incoming: the wait is not logged"
taken && fail "incoming: steps taken with vm-c migrating in"

# outgoing: vm-b in an outgoing migration job, and opted out.
phase outgoing "$incoming" "$d_out" "virDomainGetJobStats vm-b return text=2 5" \
	"virDomainGetMetadata vm-b return text=<domain manage='no'/>"
[ "$(vm vm-b '[.path, .vfs, .migration]')" = '["migrating",1,"outgoing migration job"]' ] ||
	fail "outgoing: vm-b: $(vm vm-b .)"
taken && fail "outgoing: steps taken with vm-b migrating out"

# job-error: whether vm-a is migrating cannot be read, and it opted out.
phase job-error "$incoming" "$d_out" "virDomainGetJobStats vm-a fail" \
	"virDomainGetMetadata vm-a return text=<domain manage='no'/>"
[ "$(vm vm-a '[.path, .vfs]')" = '["unknown",1]' ] || fail "job-error: vm-a: $(vm vm-a .)"
vm vm-a .unknown | grep -q "whether libvirt is migrating it: its job cannot be read: .*fault injected" ||
	fail "job-error: no cause: $(vm vm-a .unknown)"
grep -q "unknown: VM vm-a: whether libvirt is migrating it" "$T/status.job-error" ||
	fail "job-error: table: $(cat "$T/status.job-error")"
grep -q "Unknown this turn: VM vm-a: whether libvirt is migrating it" "$T/log" || fail "job-error: not logged"
taken && fail "job-error: steps taken on vm-a, unknown"

# pending: vm-a opted out; its guest never lets the VF go.
phase pending "$incoming" "$d_out" "virDomainGetMetadata vm-a return text=<domain manage='no'/>" \
	"virDomainDetachDeviceFlags vm-a return"
taken | grep -q "detach PF 0000:01:00.0 VF 0 (0000:01:10.0) from VM vm-a" || fail "pending: no detach from vm-a"
[ "$(vm vm-a '[.path, .pending, .vfs]')" = '["vf-pending","detach",0]' ] || fail "pending: vm-a: $(vm vm-a .)"
grep -q "VM vm-a .* vf-pending 0 VF(s), teamed  pending: detach" "$T/status.pending" ||
	fail "pending: table: $(cat "$T/status.pending")"

# cancelled: vm-b runs on here after a cancelled migration, no job.
phase cancelled "$incoming" "$d_out" "virDomainGetState vm-b return text=1 6" \
	"virDomainGetJobStats vm-b return text=0"
[ "$(vm vm-b '[.path, .vfs, .migration]')" = '["vf",1,null]' ] || fail "cancelled: vm-b: $(vm vm-b .)"
[ "$(vm vm-a '[.path, .vfs]')" = '["vf",1]' ] || fail "cancelled: vm-a (opted in again): $(vm vm-a .)"
taken | grep -q "VM vm-b" && fail "cancelled: steps taken on vm-b"

# resumed: vm-c runs here, but libvirt's incoming migration job is not
# over, and QEMU's driver refuses its job statistics on the destination
# (VIR_ERR_OPERATION_UNSUPPORTED, 84; seen in tests/lab/t-migrate.sh):
# still migrating, not unknown, given nothing (before: unknown).
phase resumed "$d_out" "virDomainGetState vm-c return text=1 2" "virDomainGetJobStats vm-c fail code=84"
[ "$(vm vm-c '[.path, .vfs, .migration, .unknown]')" = '["migrating",0,"incoming migration job",null]' ] ||
	fail "resumed: vm-c: $(vm vm-c .)"
taken | grep -q "VM vm-c" && fail "resumed: steps taken on vm-c"

# arrived: vm-c runs here (migrated), its job over, vm-d opts in.  No
# SIGHUP: libvirt sends no event when the incoming job ends, kvmnetd
# looks again by itself while a VM is migrating (before: it waited for
# the next event, and vm-c got nothing).
from=$(wc -l <"$T/log")
name=arrived
echo "virDomainGetState vm-c return text=1 2" >"$T/faults"
sleep 4
status >"$T/status.arrived" 2>&1
taken | grep -q "attach PF 0000:01:00.0 VF 3 (0000:01:10.6) to VM vm-c with MAC 52:54:00:7e:10:01" ||
	fail "arrived: vm-c not given VF 3 with its pair's MAC"
taken | grep -q "VM vm-d" && fail "arrived: vm-d given what vm-c was"
[ "$(vm vm-c '[.path, .pending, .migration]')" = '["vf-pending","attach",null]' ] || fail "arrived: vm-c: $(vm vm-c .)"
[ "$(vm vm-d '[.path, .vfs, .waiting_for]')" = '["virtio",0,"pf-busy"]' ] || fail "arrived: vm-d: $(vm vm-d .)"

# on_stop = revert while vm-b is migrating out: nothing is given back (no
# detach, no numvfs), the journal keeps it all, and the exit says so.
echo "on_stop = revert" >>"$T/kvmnetd.conf" # [daemon] is its last section
phase revert "$incoming" "$d_out" "virDomainGetJobStats vm-b return text=2 5"
from=$(wc -l <"$T/log")
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" != 0 ] || fail "revert: SIGTERM with vm-b migrating and on_stop = revert: exit 0"
grep -q "Not giving VFs back: VM vm-b is being migrated (outgoing migration job)" "$T/log" ||
	fail "revert: the migrating VM is not named"
n=$(tail -n +"$((from + 1))" "$T/log" | grep -cE "$steps|Detach|Gave")
[ "$n" = 0 ] || { fail "revert: $n step(s) taken with vm-b migrating"; taken; }
[ "$(jq -c '[.attached[].vf] | sort' "$T/state/journal.json")" = '[0,2]' ] ||
	fail "revert: the journal lost an attachment: $(cat "$T/state/journal.json")"

[ "$(wc -l <"$T/injected")" -gt 0 ] || fail "no fault injected at all"
[ "$t_fails" = 0 ] || { echo "--- kvmnetd's log"; cat "$T/log"; }
t_done "kvmnetd and live migration (on fakes)"
