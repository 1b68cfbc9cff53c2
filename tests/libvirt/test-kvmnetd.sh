#!/bin/bash
# kvmnetd against the real libvirtd of run.sh, with QEMU (TCG) domains:
#   run.sh test-kvmnetd.sh KVMNETD KVMNETCTL SOURCE_ROOT
# The daemon runs in --dry-run on a fake igb host (a copy of
# tests/fixtures/sriov-igb-vfs: VF 0 on vfio-pci, VF 1 on igbvf, VFs 2 and
# 3 free), so nothing is written; what is under test is how it follows
# libvirt: the start events of real domains, the opt-out metadata, a
# libvirtd restart (disconnect, reconnect with backoff, resync), sd_notify
# READY and STATUS, and its view over the control socket.  virsh sets up;
# the oracle is the daemon's log, `kvmnetctl status --json` and the
# datagrams it sends to NOTIFY_SOCKET.
set -uo pipefail

kvmnetd=$1 ctl=$2 src=$3
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
ldir=${KVMNET_TEST_DIR:?run me through tests/libvirt/run.sh}
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch kvmnetd
pid= npid=
t_cleanup() {
	[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null
	[ -z "$npid" ] || kill "$npid" 2>/dev/null
	wait 2>/dev/null
}
v() { virsh -q -c "$uri" "$@"; }
view() { KVMNET_CTL_SOCKET=$T/sock "$ctl" -c "$uri" status --json | jq -r ".daemon.view | $1"; }
logged() { grep -q -- "$1" "$T/log"; }
m1_is() { [ "$(view .m1 2>/dev/null)" = "$1" ]; }
notified() { grep -q -- "$1" "$T/notify.log"; }

fake_igb_host "$src" "$uri" "min_dwell = 1s" "[daemon]" "log_level = debug"

# Domains: TCG, paused (no guest code runs), a virtio NIC on macvtap over
# run.sh's veth so that each has a NIC of its own.  kvmnet-opt opts out.
for name in kvmnet-d1 kvmnet-d2 kvmnet-d3 kvmnet-opt; do
	cat >"$T/$name.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>48</memory>
  <vcpu>1</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <interface type='direct'>
      <source dev='kvv0' mode='bridge'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
XML
	v define "$T/$name.xml" >/dev/null || { echo "cannot define $name"; exit 1; }
done
v metadata kvmnet-opt http://kvmnet.org/xmlns/domain/1.0 --key kvmnet --config \
	--set '<domain manage="no"/>' >/dev/null || { echo "cannot set the opt-out metadata"; exit 1; }

# sd_notify: a datagram socket of our own, one line per message.
python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
        f.flush()
' "$T/notify" "$T/notify.log" &
npid=$!
: >"$T/notify.log"
wait_for 5 test -S "$T/notify" || { echo "notify listener did not start"; exit 1; }

# The log, each line stamped with the time it arrived (for the backoff).
export NOTIFY_SOCKET=$T/notify
"$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" \
	2> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$T/log") &
pid=$!
unset NOTIFY_SOCKET

wait_for 10 notified 'READY=1' || fail "no READY=1 on NOTIFY_SOCKET"
notified 'READY=1 | STATUS=watching 1 PF(s) (dry run)' || fail "READY without its STATUS: $(cat "$T/notify.log")"
wait_for 10 m1_is 0 || fail "status: M1 not 0 with no domain running"
[ "$(view .libvirt.connected)" = true ] || fail "status: not connected"
[ "$(view .mode)" = inactive ] || fail "status: mode not inactive"

# One domain: below the threshold, nothing to do.
v start --paused kvmnet-d1 >/dev/null || fail "start kvmnet-d1"
wait_for 10 m1_is 1 || fail "M1 not 1 after the first start: $(view .m1)"
logged "would " && fail "an action below the threshold: $(grep 'would ' "$T/log")"

# The opted-out domain does not count.
v start --paused kvmnet-opt >/dev/null || fail "start kvmnet-opt"
wait_for 10 logged 'Domain kvmnet-opt: lifecycle event' || fail "no event for kvmnet-opt"
sleep 0.5
[ "$(view .m1)" = 1 ] || fail "the opted-out domain was counted: M1 $(view .m1)"
[ "$(view '.vms[] | select(.name == "kvmnet-opt") | .path')" = opted-out ] || fail "kvmnet-opt not shown as opted out"
logged "kvmnet-opt" && grep 'would .*kvmnet-opt' "$T/log" && fail "an action for the opted-out domain"

# The second managed domain reaches the threshold: VF 0 (already on
# vfio-pci) to the first, VF 2 bound and given to the second.
v start --paused kvmnet-d2 >/dev/null || fail "start kvmnet-d2"
wait_for 10 logged "would attach PF 0000:01:00.0 VF 2 (0000:01:10.4) to VM kvmnet-d2" ||
	fail "no attach for kvmnet-d2: $(grep 'would ' "$T/log")"
logged "would attach PF 0000:01:00.0 VF 0 (0000:01:10.0) to VM kvmnet-d1" || fail "no attach for kvmnet-d1"
logged "would bind PF 0000:01:00.0 VF 2 (0000:01:10.4) to vfio-pci" || fail "VF 2 not bound"
wait_for 5 m1_is 2 || fail "M1 not 2: $(view .m1)"
[ "$(view .mode)" = active ] || fail "mode not active at M1 2"
wait_for 5 notified 'STATUS=split active: 2 VM(s), 2 VF(s) wanted' || fail "no STATUS for the split"

v start --paused kvmnet-d3 >/dev/null || fail "start kvmnet-d3"
wait_for 10 logged "would attach PF 0000:01:00.0 VF 3 (0000:01:10.6) to VM kvmnet-d3" || fail "no attach for kvmnet-d3"
wait_for 5 m1_is 3 || fail "M1 not 3: $(view .m1)"
grep 'would ' "$T/log" | grep -q 'VF 1 ' && fail "VF 1 (igbvf) was touched"
grep 'would ' "$T/log" | grep -q numvfs && fail "numvfs of a PF kvmnetd did not split was changed"

# libvirtd restarts: TERM (as systemctl restart does), down until the
# reconnect attempts at 0, 1 and 3 s have failed, then started again in
# the same namespaces; the QEMU processes keep running throughout, and
# the daemon's next attempt (4 s later) finds it.
lpid=$(cat "$ldir/run/libvirtd.pid")
vpid=$(cat "$ldir/run/virtlogd.pid")
kill -TERM "$lpid"
wait_for 10 sh -c "! kill -0 $lpid 2>/dev/null" || { kill -KILL "$lpid"; sleep 0.5; }
wait_for 10 logged "Lost the connection to $uri; reconnecting" || fail "disconnect not logged"
wait_for 5 notified "STATUS=libvirt at $uri unreachable, reconnecting" || fail "no STATUS while unreachable"
wait_for 5 logged "next attempt in 2000 ms" || fail "no second reconnect attempt: $(tail -5 "$T/log")"
[ "$(view .libvirt.connected)" = false ] || fail "status claims libvirt connected while it is down"
[ "$(view .mode)" = unknown ] || fail "status shows a mode while blind: $(view .mode)"
wait_for 5 logged "next attempt in 4000 ms" || fail "no third reconnect attempt: $(tail -5 "$T/log")"
nsenter --target "$vpid" --mount --net libvirtd -d -f /etc/libvirt/libvirtd.conf ||
	{ echo "cannot restart libvirtd"; exit 1; }
connects() { [ "$(grep -c -F "Connected to $uri; resynchronising" "$T/log")" -ge "$1" ]; }
wait_for 20 connects 2 || fail "no reconnect within 20 s"

# Backoff: the failed attempts are 1 s, then 2 s apart (from the stamps).
awk '/next attempt in/ { t[n++] = $1 } END {
	if (n < 3) exit 1
	d1 = t[1] - t[0]; d2 = t[2] - t[1]
	if (d1 < 0.9 || d1 > 1.5 || d2 < 1.9 || d2 > 2.5) { print "gaps " d1 " " d2; exit 1 }
}' "$T/log" || fail "reconnect attempts not backing off 1 s, 2 s: $(grep 'next attempt' "$T/log")"
sleep 0.5
connects 3 && fail "more than one reconnect"

# Resync: libvirt (restarted) reports the three managed domains again.
wait_for 10 m1_is 3 || fail "M1 not 3 after the reconnect: $(view .m1)"
[ "$(view .libvirt.connected)" = true ] || fail "not connected after the reconnect"
[ "$(view '[.vms[].name] | sort | join(",")')" = kvmnet-d1,kvmnet-d2,kvmnet-d3,kvmnet-opt ] ||
	fail "domains after the reconnect: $(view '[.vms[].name] | join(",")')"

# Events flow on the new connection: a stop is seen.
v destroy kvmnet-d3 >/dev/null || fail "destroy kvmnet-d3"
wait_for 10 m1_is 2 || fail "M1 not 2 after a stop on the new connection: $(view .m1)"
[ "$(view .mode)" = active ] || fail "split ended at M1 2"

# Below the threshold for min_dwell (1 s): the split ends.
v destroy kvmnet-d2 >/dev/null || fail "destroy kvmnet-d2"
wait_for 10 m1_is 1 || fail "M1 not 1: $(view .m1)"
wait_for 5 sh -c "[ \"\$(KVMNET_CTL_SOCKET=$T/sock $ctl -c '$uri' status --json | jq -r .daemon.view.mode)\" = inactive ]" ||
	fail "split not ended after min_dwell"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
wait_for 5 notified 'STOPPING=1' || fail "no STOPPING=1"
[ -e "$T/state/journal.json" ] && fail "dry run wrote a journal"

for d in kvmnet-d1 kvmnet-opt; do v destroy "$d" >/dev/null; done
if [ "$t_fails" != 0 ]; then
	echo "--- kvmnetd log"; cat "$T/log"
	echo "--- notify"; cat "$T/notify.log"
fi
t_done "kvmnetd with libvirtd"
