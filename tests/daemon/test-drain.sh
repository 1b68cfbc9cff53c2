#!/bin/bash
# [sriov] resize = drain (core/plan.h D1-D3) -- ON FAKES: kvmnetd runs for
# real on a copy of the fake igb host (its PF's netdev left out, no MAC
# over rtnetlink) with libvirt's in-process test driver, which cannot
# attach or detach: a detach is made to succeed by tests/lib/fault-inject.c
# (the guest then never lets go), so what is checked is the decision and
# what kvmnetd says, not the resize (the lab's t-failover-guest.sh does
# that with real guests).
#
# The PF: numvfs 4 of 7, set by kvmnetd (journal); VF 0 held by vm-a,
# teamed with its virtio NIC; VF 2 held by vm-b, not teamed; VFs 1 and 3
# free on vfio-pci.  vm-c, vm-d and vm-e have only virtio: 5 VFs wanted,
# headroom 0, so the PF must grow (and go through 0).
#   never    resize = never: nothing is detached, no drain in status
#   refused  resize = drain: nothing is detached; status and the log say
#            why (VF 2 held by unteamed vm-b)
#   drain    kvmnetd restarted on a world where vm-b holds no VF: it
#            detaches vm-a's teamed VF, gives none of the PF's VFs and
#            says "draining PF for 5 VFs"; numvfs is not touched while
#            the VF is held
#   released the same, but the guest lets go while libvirt is asked: the
#            detach fails with VIR_ERR_DEVICE_MISSING and vm-a's XML no
#            longer holds the VF (fault-inject's then=): kvmnetd reads the
#            XML again and says the VF was already released, no failure
#   missing  the same error while vm-a's XML still holds the VF: a
#            failure, logged with libvirt's message
#   unread   the same error, and vm-a's XML cannot be read again: a
#            failure too (unknown is never "released")
#   test-drain.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch drain
pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}

A=ef861801-45b9-11cb-88e3-afbfe5370493 B=6695eb01-f6a4-8304-79aa-97f2502e193f
node() { # B_HOLDS (yes/no) FILE
	{
		echo "<node><cpu><mhz>2400</mhz><model>x86_64</model><active>4</active><nodes>1</nodes><sockets>1</sockets>"
		echo "<cores>4</cores><threads>1</threads></cpu><memory>8388608</memory>"
		domain vm-a $A "$(virtio 52:54:00:00:0a:01 ua-net-a) $(vf 52:54:00:00:0a:01 0x0 ua-net-a)"
		if [ "$1" = yes ]; then
			domain vm-b $B "$(virtio 52:54:00:00:0b:02) $(vf 52:54:00:00:0b:01 0x4)"
		else
			domain vm-b $B "$(virtio 52:54:00:00:0b:02)"
		fi
		domain vm-c 3f0e7c52-9a0b-4d8e-b7a1-52d10c9e0c03 "$(virtio 52:54:00:00:0c:02)"
		domain vm-d 3f0e7c52-9a0b-4d8e-b7a1-52d10c9e0d04 "$(virtio 52:54:00:00:0d:02)"
		domain vm-e 3f0e7c52-9a0b-4d8e-b7a1-52d10c9e0e05 "$(virtio 52:54:00:00:0e:02)"
		echo "</node>"
	} >"$2"
}
node yes "$T/held.xml"
node no "$T/released.xml"
fake_igb_host "$src" "test://$T/held.xml" "min_dwell = 1h" "headroom = 0"
rm -r "$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/net"
kvmnetd_holding $A $B
# VF 1 on vfio-pci too (the fixture has it on igbvf, which forbids a drain)
ln -sfn ../../../../bus/pci/drivers/vfio-pci "$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:10.2/driver"
rm -rf "$T/cli-root" && cp -a "$T/root" "$T/cli-root"
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
preload=$(fault_preload "$fault_so")
echo "virDomainDetachDeviceFlags vm-a return" >"$T/faults"
: >"$T/injected"
numvfs=$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs
steps='(detach PF|sriov_numvfs to)'
# fresh: the tree and kvmnetd's state as set up here, for a run that
# must start where the drain run started.
cp -a "$T/root" "$T/root.0" && cp -a "$T/state" "$T/state.0" || exit 1
fresh() { rm -rf "$T/root" "$T/state" && cp -a "$T/root.0" "$T/root" && cp -a "$T/state.0" "$T/state"; }

# run NAME URI RESIZE: kvmnetd on that world for 3 s of turns; its log
# in $T/log.NAME, status in $T/status.NAME.json.
run() {
	sed -i '/^resize = /d; /^uri = /d' "$T/kvmnetd.conf"
	sed -i "s|^\[libvirt\]|[libvirt]\nuri = $2|; s|^\[sriov\]|[sriov]\nresize = $3|" "$T/kvmnetd.conf"
	LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log.$1" &
	pid=$!
	wait_for 10 test -S "$T/sock" || fail "$1: kvmnetd does not answer"
	sleep 3
	KVMNET_SYSROOT=$T/cli-root KVMNET_CTL_SOCKET=$T/sock "$ctl" -c "$2" status --json >"$T/status.$1.json" 2>&1
	kill "$pid"
	wait "$pid"
	pid=
}
drain_of() { jq -r '.daemon.view.pfs[0].drain' "$T/status.$1.json"; }
waiting() { jq -r "[.daemon.view.vms[] | select(.name == \"$2\") | .waiting_for][0]" "$T/status.$1.json"; }

run never "test://$T/held.xml" never
grep -E "$steps" "$T/log.never" && fail "never: steps taken"
[ "$(drain_of never)" = null ] || fail "never: drain: $(drain_of never)"
[ "$(waiting never vm-e)" = pf-busy ] || fail "never: vm-e waits for $(waiting never vm-e)"

run refused "test://$T/held.xml" drain
grep -E "$steps" "$T/log.refused" && fail "refused: steps taken"
[ "$(drain_of refused)" = "pf-busy: VF 2 held by unteamed vm-b" ] || fail "refused: drain: $(drain_of refused)"
grep -q "more VFs needed but PF 0000:01:00.0 has VFs in use; changing numvfs would destroy them (not drained: pf-busy: VF 2 held by unteamed vm-b)" \
	"$T/log.refused" || fail "refused: the log does not say why"
[ "$(cat "$numvfs")" = 4 ] || fail "refused: numvfs $(cat "$numvfs")"

run drain "test://$T/released.xml" drain
grep -q "drain: draining PF 0000:01:00.0 for 5 VFs" "$T/log.drain" || fail "drain: not logged"
grep -q "detach PF 0000:01:00.0 VF 0 (0000:01:10.0) from VM vm-a" "$T/log.drain" || fail "drain: vm-a's VF not detached"
grep -E "attach PF|sriov_numvfs to" "$T/log.drain" && fail "drain: VFs given or numvfs changed while vm-a holds VF 0"
[ "$(drain_of drain)" = "draining PF for 5 VFs (1 teamed VF(s) detached; numvfs through 0 once released)" ] ||
	fail "drain: status: $(drain_of drain)"
[ "$(waiting drain vm-e)" = draining ] || fail "drain: vm-e waits for $(waiting drain vm-e)"
[ "$(cat "$numvfs")" = 4 ] || fail "drain: numvfs $(cat "$numvfs") while vm-a holds VF 0"
grep -q "virDomainDetachDeviceFlags" "$T/injected" || fail "drain: no detach reached libvirt"

# The detach race (seen in the lab's t-failover-guest.sh): libvirt's
# "device not found" for a VF the guest released after the observation.
echo "virDomainGetXMLDesc vm-a return text=$(domain vm-a $A "$(virtio 52:54:00:00:0a:01 ua-net-a)" | tr -d '\n')" \
	>"$T/gone.rules"
echo "virDomainDetachDeviceFlags vm-a fail code=99 count=1 then=$T/gone.rules" >"$T/faults"
fresh
run released "test://$T/released.xml" drain
grep -q "VM vm-a had already released VF 0000:01:10.0; nothing to detach" "$T/log.released" ||
	fail "released: not said"
grep -q "Failed to detach" "$T/log.released" && fail "released: logged as a failure"
grep -q "virDomainDetachDeviceFlags vm-a fail" "$T/injected" || fail "released: no detach reached libvirt"

echo "virDomainDetachDeviceFlags vm-a fail code=99" >"$T/faults"
fresh
run missing "test://$T/released.xml" drain
grep -q "Failed to detach PF 0000:01:00.0 VF 0 (0000:01:10.0) from VM vm-a: .*fault injected" "$T/log.missing" ||
	fail "missing: the failure is not logged with libvirt's message"
grep -q "already released" "$T/log.missing" && fail "missing: said released while the XML holds the VF"

echo "virDomainGetXMLDesc vm-a fail" >"$T/unread.rules"
echo "virDomainDetachDeviceFlags vm-a fail code=99 count=1 then=$T/unread.rules" >"$T/faults"
fresh
run unread "test://$T/released.xml" drain
grep -q "Failed to detach PF 0000:01:00.0 VF 0 (0000:01:10.0) from VM vm-a: .*fault injected" "$T/log.unread" ||
	fail "unread: the failure is not logged"
grep -q "already released" "$T/log.unread" && fail "unread: said released while the XML could not be read"

[ "$t_fails" = 0 ] || { for f in never refused drain released missing unread; do echo "--- kvmnetd's log ($f)"; cat "$T/log.$f"; done; }
t_done "kvmnetd and resize = drain (on fakes)"
