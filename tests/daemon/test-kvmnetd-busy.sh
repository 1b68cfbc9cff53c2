#!/bin/bash
# kvmnetd answers on its control socket while its main loop is blocked.
#
# How the loop blocks, for real and without a hook in the daemon: kvmnetd
# runs (--dry-run, libvirt's test driver) on a copy of the fake igb host
# tests/fixtures/sriov-igb-vfs, and after its first turn the PF's
# sriov_numvfs in that tree is replaced by a named pipe.  SIGHUP reloads and
# asks for a turn; the turn's observation opens sriov_numvfs, and open(2)
# of a FIFO blocks until a writer comes: the main thread sits in the
# kernel as it would in a libvirt call that waits for a guest, or on a
# wedged sysfs attribute.  Meanwhile `kvmnetctl status` (reading its own,
# unblocked copy of the tree; the daemon's view comes over the socket)
# must answer within its 1 s timeout and say what the loop is doing and
# for how long.  Writing to the pipe then lets the turn finish.
#   test-kvmnetd-busy.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch busy
pid=
# A daemon still blocked in open() is released before it is stopped.
t_cleanup() {
	if [ -n "$pid" ]; then
		timeout 2 sh -c "echo 0 >'$T/wedge'" 2>/dev/null
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
}

uri="test://$src/tests/fixtures/libvirt-test/node.xml"
fake_igb_host "$src" "$uri"
cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/cli-root"
numvfs=$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs
[ -f "$numvfs" ] || { echo "fixture changed: no $numvfs"; exit 1; }

KVMNET_SYSROOT=$T/root "$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
# status: the CLI on its own tree, the daemon's view from the socket.
# ms: milliseconds since the epoch, from bash's clock.
ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
for _ in $(seq 50); do
	[ "$(status --json 2>/dev/null | jq -r .daemon.view.m1)" = 2 ] && break
	sleep 0.1
done
[ "$(status --json | jq -r .daemon.view.m1)" = 2 ] || fail "first turn not seen: $(cat "$T/log")"
[ "$(status --json | jq -r .daemon.view.busy)" = null ] || fail "busy while idle"

# Wedge the observation, then ask for a turn.
mkfifo "$T/wedge"
ln -f "$T/wedge" "$numvfs"
kill -HUP "$pid"
for _ in $(seq 50); do
	grep -q "Reloaded" "$T/log" && break
	sleep 0.1
done
sleep 1

# Blocked: the main thread waits in the kernel to open the pipe.
state=$(awk '{ print $3 }' "/proc/$pid/stat")
[ "$state" = S ] || fail "the daemon's main thread is not asleep (state $state)"
worst=0
for i in 1 2 3 4 5; do
	t0=$(ms)
	status >"$T/table.$i" 2>"$T/err.$i"
	rc=$?
	t=$(($(ms) - t0))
	[ "$t" -gt "$worst" ] && worst=$t
	[ "$rc" = 0 ] || fail "status $i while blocked: exit $rc: $(cat "$T/err.$i")"
	[ "$t" -lt 1000 ] || fail "status $i while blocked took $t ms"
done
echo "kvmnetctl status while the loop is blocked: slowest of 5: $worst ms"
grep -q "kvmnetd: split active (dry run)  M1 2 (threshold 2)" "$T/table.5" || fail "the last view is not shown: $(cat "$T/table.5")"
grep -q "^    busy: observing libvirt at $uri and 1 PF(s) (for [0-9.]* s)" "$T/table.5" ||
	fail "no busy line: $(cat "$T/table.5")"
status --json >"$T/busy.json" || fail "status --json while blocked"
[ "$(jq -r .daemon.view.busy.doing "$T/busy.json")" = "observing libvirt at $uri and 1 PF(s)" ] ||
	fail "busy.doing: $(jq -c .daemon.view.busy "$T/busy.json")"
for_ms=$(jq -r .daemon.view.busy.for_ms "$T/busy.json")
[ "$for_ms" -ge 1000 ] 2>/dev/null || fail "busy.for_ms $for_ms, expected at least 1000 (blocked for over 1 s)"
sleep 0.5
later=$(status --json | jq -r .daemon.view.busy.for_ms)
[ "$later" -ge $((for_ms + 400)) ] 2>/dev/null || fail "busy.for_ms did not grow: $for_ms then $later"

# Released: the turn finishes and the loop goes back to waiting.
cp "$src/tests/fixtures/sriov-igb-vfs/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs" "$T/numvfs"
mv -f "$T/numvfs" "$numvfs"
timeout 5 sh -c "echo 4 >'$T/wedge'" || fail "the daemon was not waiting on the pipe"
for _ in $(seq 50); do
	[ "$(status --json | jq -r .daemon.view.busy)" = null ] && break
	sleep 0.1
done
[ "$(status --json | jq -r .daemon.view.busy)" = null ] || fail "still busy after the release: $(status --json | jq -c .daemon.view.busy)"
status | grep -q "busy:" && fail "busy line when idle"
[ "$(status --json | jq -r .daemon.view.m1)" = 2 ] || fail "view after the release"

# Stop: the socket's thread is stopped and joined, the socket removed.
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
[ -e "$T/sock" ] && fail "control socket left behind"
grep -E "ERROR|LeakSanitizer|ThreadSanitizer|runtime error" "$T/log" && fail "sanitizer report in the log"

[ "$t_fails" = 0 ] || cat "$T/log"
t_done "kvmnetd busy"
