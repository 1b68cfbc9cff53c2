#!/bin/bash
# A VF given by hand that kvmnetd cannot list is unknown, not absent (the
# chaos lab found it: with PF B's sriov_numvfs unreadable, the VM holding
# B's VF by hand looked VF-less and kvmnetd gave it one of PF A's on top).
# kvmnetd runs for real on a fake igb host with 7 VFs on vfio-pci (no PF
# netdev) and libvirt's test driver: vm-a holds VF 0, which the journal
# says kvmnetd gave it; vm-h holds VF 6 (0000:01:11.4), given by hand;
# vm-g holds VF 1, kvmnetd's too, and a NIC of its own passed through
# (0000:01:12.0, no VF: no physfn link).  Converged: nothing to do.
# Then, one phase at a time (tests/lib/fault-inject.c, LD_PRELOAD): VF 6's
# virtfn link names no address (vm-h still shows as a VF of the PF by its
# own physfn link; vm-g, whose NIC has none, stays known); the same with
# VF 6's physfn unreadable, then naming no PCI address; the PF's
# sriov_numvfs cannot be read; the PF itself is gone (access(2) says
# ENOENT: its address unknown, so VF 6's physfn may name it).  In
# each, vm-h must be unknown (the log and status say why) and kvmnetd
# take no step (no attach, MAC, bind, numvfs or detach); after each, all
# known again and converged.
#   test-failsafe-hand.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch failsafe-hand
pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}

test_node "$(test_vm vm-a ef861801-45b9-11cb-88e3-afbfe5370493 0a 0x10 0x0)" \
	"$(test_vm vm-g 0c5e1b7a-2f0d-4c8e-9a51-3d6f7b2e8c10 0c 0x10 0x2 |
		sed "s|</devices>|<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x12' function='0x0'/></source></hostdev>&|")" \
	"$(test_vm vm-h 6695eb01-f6a4-8304-79aa-97f2502e193f 0b 0x11 0x4)" >"$T/node.xml"
uri="test://$T/node.xml"
fake_igb_host "$src" "$uri" "headroom = 0"
fake_igb_seven_vfio
# vm-g's own NIC: a PCI function of the host, no VF of any PF.
nic=$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:12.0
mkdir "$nic" && cp "$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/"{vendor,device,class} "$nic/" &&
	ln -s ../../../devices/pci0000:00/0000:00:01.0/0000:01:12.0 "$T/root/sys/bus/pci/devices/0000:01:12.0" ||
	fail "no fake NIC for vm-g"
cat >"$T/state/journal.json" <<EOF
{ "version": 1, "active": true, "below_since_us": 0,
  "pfs": [ { "pf": "0000:01:00.0", "numvfs_changed": true, "numvfs": 0, "autoprobe": 1, "vfs": [] } ],
  "attached": [ { "vm": "ef861801-45b9-11cb-88e3-afbfe5370493", "pf": "0000:01:00.0", "vf": 0 },
                { "vm": "0c5e1b7a-2f0d-4c8e-9a51-3d6f7b2e8c10", "pf": "0000:01:00.0", "vf": 1 } ],
  "originals": {} }
EOF
preload=$(fault_preload "$fault_so")
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
: >"$T/faults"
: >"$T/injected"
LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
converged() {
	[ "$(view '[.daemon.view.mode, [.daemon.view.vms[] | .name, .path], (.daemon.view.unknowns | length)]')" = \
		'["active",["vm-a","vf","vm-g","vf","vm-h","vf-by-hand"],0]' ]
}
wait_for 10 converged || fail "no converged start: $(view .daemon.view)"
steps='(detach PF|sriov_numvfs to|bind PF|MAC to|attach PF)'
grep -E "$steps" "$T/log" && fail "steps taken before any fault"

# phase NAME CAUSE RULE...: vm-h must be unknown while the RULEs are in
# effect, the log giving CAUSE, and kvmnetd take no step; then known
# again and converged.
phase() {
	local name=$1 cause=$2 from before n
	shift 2
	from=$(wc -l <"$T/log")
	before=$(wc -l <"$T/injected")
	printf '%s\n' "$@" >"$T/faults"
	kill -HUP "$pid"
	wait_for 10 grep -qF "Unknown this turn: VM vm-h: it holds 0000:01:11.4, $cause" \
		"$T/log" || fail "$name: vm-h never said unknown ($cause)"
	shows() { status >"$T/status.$name" 2>&1; grep -q "unknown: VM vm-h" "$T/status.$name"; }
	wait_for 10 shows || fail "$name: status does not show vm-h unknown: $(cat "$T/status.$name")"
	case $name in pf-*) ;; *) ! grep -q "vm-g" <(tail -n +"$((from + 1))" "$T/log" | grep -i unknown) ||
		fail "$name: vm-g, whose NIC is no VF, was unknown" ;; esac
	sleep 2
	kill -HUP "$pid"
	sleep 1
	n=$(tail -n +"$((from + 1))" "$T/log" | grep -cE "$steps")
	[ "$(($(wc -l <"$T/injected") - before))" -gt 0 ] || fail "$name: no fault injected"
	[ "$n" = 0 ] || { fail "$name: $n step(s) taken"; tail -n +"$((from + 1))" "$T/log" | grep -E "$steps"; }
	echo "phase $name: $n step(s) taken"
	: >"$T/faults"
	kill -HUP "$pid"
	wait_for 10 grep -q "Known again: VM vm-h" "$T/log" || fail "$name: vm-h never known again"
	wait_for 10 converged || fail "$name: no convergence after the fault: $(view .daemon.view)"
}
# (the fake tree's virtfn6 stays, only what kvmnetd reads of it changes)
bad_link="readlink 0000:01:00.0/virtfn6 return text=../0000:zz:99.9"
phase vf-address "a VF of PF 0000:01:00.0, whose VFs cannot all be read" "$bad_link"
phase vf-physfn "which may be a VF of PF 0000:01:00.0 (its physfn cannot be read: Input/output error)" \
	"$bad_link" "readlink 0000:01:11.4/physfn fail errno=5"
phase vf-physfn-garbage "whose physfn names 'zz', no PCI address" \
	"$bad_link" "readlink 0000:01:11.4/physfn return text=../zz"
# (vm-g holds kvmnetd's VF of the unreadable or gone PF in the pf-
# phases: unknown too, rightly)
phase pf-unreadable "a VF of PF 0000:01:00.0, whose VFs cannot all be read" \
	"open 0000:01:00.0/sriov_numvfs fail errno=5"
# (the reload the phase's SIGHUP asks for resolves the PF first and
# must still find it: a reload that fails runs no turn)
phase pf-gone "a VF of 0000:01:00.0, which may be PF 0000:01:00.0 (its address is unknown)" \
	"access bus/pci/devices/0000:01:00.0 pass count=1" \
	"access bus/pci/devices/0000:01:00.0 fail errno=2"
kill "$pid"
wait "$pid"
pid=
[ "$t_fails" = 0 ] || { echo "--- kvmnetd's log"; cat "$T/log"; }
t_done "kvmnetd: a VM holding what cannot be listed is unknown"
