#!/bin/bash
# Parallel attach (issue 14): kvmnetd, for real (not --dry-run), on a fake
# igb host with all 7 VFs made and on vfio-pci, and libvirt's test driver
# with 7 running VMs: one turn gives each a VF.  The test driver cannot
# attach, so tests/lib/fault-inject.c (LD_PRELOAD) makes every
# virDomainAttachDeviceFlags succeed after 1.5 s (vm-5's fail at once) and
# records the most requests in their wait at once.  Checked:
#   - parallel_attach = 3: every VM but vm-5 attached, vm-5's failure
#     logged with its name, at most 3 requests at once and 3 reached;
#     `kvmnetctl status` (text and --json) shows the attaches in flight;
#     the journal does not keep vm-5's attachment;
#   - parallel_attach = 1: one at a time.
#   test-parallel-attach.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch parallel
pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}

{
	echo "<node><cpu><mhz>2400</mhz><model>x86_64</model><active>4</active><nodes>1</nodes>"
	echo "<sockets>1</sockets><cores>4</cores><threads>1</threads></cpu><memory>8388608</memory>"
	for i in 1 2 3 4 5 6 7; do
		echo "<domain type='test'><name>vm-$i</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e19$i$i</uuid>"
		echo "<memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>"
		echo "<interface type='bridge'><mac address='52:54:00:00:0$i:02'/><source bridge='br0'/><model type='virtio'/></interface>"
		echo "</devices></domain>"
	done
	echo "</node>"
} >"$T/node.xml"
uri="test://$T/node.xml"
fake_igb_host "$src" "$uri" "headroom = 0" "parallel_attach = 3"
# All 7 VFs made and on vfio-pci; no PF netdev, so no MAC over rtnetlink
# (libvirt sets it from the interface XML).
fake_igb_seven_vfio

preload=$fault_so
asan=$(ldd "$fault_so" | awk '/libasan/ { print $3 }')
[ -z "$asan" ] || preload=$asan:$fault_so
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
printf '%s\n' "virDomainAttachDeviceFlags vm-5 fail" "virDomainAttachDeviceFlags * return ms=1500" >"$T/faults"

done_all() {
	local i
	for i in 1 2 3 4 6 7; do
		grep -q "^attach PF 0000:01:00.0 VF [0-9] (.*) to VM vm-$i with MAC" "$T/log" || return 1
	done
	grep -q "Failed to attach PF 0000:01:00.0 VF [0-9] (.*) to VM vm-5 with MAC .*: .*fault injected" "$T/log"
}

# start LIMIT: kvmnetd with parallel_attach = LIMIT and a fresh peak file.
start() {
	sed -i "s/^parallel_attach = .*/parallel_attach = $1/" "$T/kvmnetd.conf"
	rm -rf "$T/state" && mkdir "$T/state"
	: >"$T/log"
	KVMNET_FAULT_PEAK=$T/peak.$1 LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" \
		2>"$T/log" &
	pid=$!
}
stop() {
	kill "$pid"
	wait "$pid"
	pid=
}

start 3
# The view while the attaches wait: entries in flight, at most 3.
: >"$T/views"
for _ in $(seq 40); do
	view '[.daemon.view.parallel_attach, [.daemon.view.attaching[]? | .vm], .daemon.view.busy.doing]' >>"$T/views"
	status >>"$T/text" 2>&1
	sleep 0.1
done
wait_for 30 done_all || fail "limit 3: not every VM attached, or vm-5's failure not logged: $(grep -E 'attach' "$T/log")"
stop
[ "$(cat "$T/peak.3" 2>/dev/null)" = 3 ] || fail "limit 3: at most $(cat "$T/peak.3" 2>/dev/null) attach(es) at once, not 3"
grep -q '^\[3,\["vm-[0-9]","vm-[0-9]","vm-[0-9]"\],"attaching VFs: 3 in flight (at most 3)' "$T/views" ||
	fail "status --json never showed 3 attaches in flight: $(sort -u "$T/views" | head -n 5)"
grep -q '^\[3,\[\("vm-[0-9]",\?\)\{4,\}\]' "$T/views" && fail "status showed more than 3 in flight"
grep -q "^    attaching: VF [0-9] of 0000:01:00.0 to VM vm-[0-9] (for [0-9.]* s)" "$T/text" ||
	fail "kvmnetctl status never listed an attach in flight: $(grep -m3 -E 'busy|attaching' "$T/text")"
# Each turn gives vm-5 its attach again and takes it back: no entry of
# vm-5 outlives its failed attach.
jq -e '[.attached[] | select(.vm == "6695eb01-f6a4-8304-79aa-97f2502e1955")] | length == 0' "$T/state/journal.json" \
	>/dev/null || fail "the journal keeps vm-5's failed attachment: $(cat "$T/state/journal.json")"
echo "limit 3: peak $(cat "$T/peak.3"), $(grep -c '^attach PF' "$T/log") attach(es) done"

start 1
wait_for 30 done_all || fail "limit 1: not every VM attached"
stop
[ "$(cat "$T/peak.1" 2>/dev/null)" = 1 ] || fail "limit 1: $(cat "$T/peak.1" 2>/dev/null) attaches at once, not 1"
echo "limit 1: peak $(cat "$T/peak.1")"
[ "$t_fails" = 0 ] || { echo "--- kvmnetd's log"; cat "$T/log"; }
t_done "kvmnetd parallel attach"
