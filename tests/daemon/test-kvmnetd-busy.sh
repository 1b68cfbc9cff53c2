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
T=$(mktemp -d /tmp/kvmnet-busy-XXXXXX)
pid=
# A daemon still blocked in open() is released before it is stopped.
cleanup() {
	if [ -n "$pid" ]; then
		timeout 2 sh -c "echo 0 >'$T/wedge'" 2>/dev/null
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root"
cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/cli-root"
numvfs=$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs
[ -f "$numvfs" ] || { echo "fixture changed: no $numvfs"; exit 1; }
uri="test://$src/tests/fixtures/libvirt-test/node.xml"
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = $uri
[sriov]
pf = 0000:01:00.0
threshold = 2
[daemon]
state_dir = $T/state
CONF
mkdir "$T/state"

KVMNET_SYSROOT=$T/root "$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
# status: the CLI on its own tree, the daemon's view from the socket.
status() { KVMNET_SYSROOT=$T/cli-root KVMNET_CTL_SOCKET=$T/sock "$ctl" -c "$uri" status "$@"; }
# ms: milliseconds since the epoch, from bash's clock.
ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
for _ in $(seq 50); do
	[ "$(status --json 2>/dev/null | jq -r .daemon.view.m1)" = 2 ] && break
	sleep 0.1
done
[ "$(status --json | jq -r .daemon.view.m1)" = 2 ] || no "first turn not seen: $(cat "$T/log")"
[ "$(status --json | jq -r .daemon.view.busy)" = null ] || no "busy while idle"

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
[ "$state" = S ] || no "the daemon's main thread is not asleep (state $state)"
worst=0
for i in 1 2 3 4 5; do
	t0=$(ms)
	status >"$T/table.$i" 2>"$T/err.$i"
	rc=$?
	t=$(($(ms) - t0))
	[ "$t" -gt "$worst" ] && worst=$t
	[ "$rc" = 0 ] || no "status $i while blocked: exit $rc: $(cat "$T/err.$i")"
	[ "$t" -lt 1000 ] || no "status $i while blocked took $t ms"
done
echo "kvmnetctl status while the loop is blocked: slowest of 5: $worst ms"
grep -q "kvmnetd: split active (dry run)  M1 2 (threshold 2)" "$T/table.5" || no "the last view is not shown: $(cat "$T/table.5")"
grep -q "^    busy: observing libvirt at $uri and 1 PF(s) (for [0-9.]* s)" "$T/table.5" ||
	no "no busy line: $(cat "$T/table.5")"
status --json >"$T/busy.json" || no "status --json while blocked"
[ "$(jq -r .daemon.view.busy.doing "$T/busy.json")" = "observing libvirt at $uri and 1 PF(s)" ] ||
	no "busy.doing: $(jq -c .daemon.view.busy "$T/busy.json")"
for_ms=$(jq -r .daemon.view.busy.for_ms "$T/busy.json")
[ "$for_ms" -ge 1000 ] 2>/dev/null || no "busy.for_ms $for_ms, expected at least 1000 (blocked for over 1 s)"
sleep 0.5
later=$(status --json | jq -r .daemon.view.busy.for_ms)
[ "$later" -ge $((for_ms + 400)) ] 2>/dev/null || no "busy.for_ms did not grow: $for_ms then $later"

# Released: the turn finishes and the loop goes back to waiting.
cp "$src/tests/fixtures/sriov-igb-vfs/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs" "$T/numvfs"
mv -f "$T/numvfs" "$numvfs"
timeout 5 sh -c "echo 4 >'$T/wedge'" || no "the daemon was not waiting on the pipe"
for _ in $(seq 50); do
	[ "$(status --json | jq -r .daemon.view.busy)" = null ] && break
	sleep 0.1
done
[ "$(status --json | jq -r .daemon.view.busy)" = null ] || no "still busy after the release: $(status --json | jq -c .daemon.view.busy)"
status | grep -q "busy:" && no "busy line when idle"
[ "$(status --json | jq -r .daemon.view.m1)" = 2 ] || no "view after the release"

# Stop: the socket's thread is stopped and joined, the socket removed.
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || no "SIGTERM: exit $rc"
[ -e "$T/sock" ] && no "control socket left behind"
grep -E "ERROR|LeakSanitizer|ThreadSanitizer|runtime error" "$T/log" && no "sanitizer report in the log"

[ "$fail" = 0 ] && echo "kvmnetd busy: ok" || cat "$T/log"
exit $fail
