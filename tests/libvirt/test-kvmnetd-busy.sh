#!/bin/bash
# kvmnetd's control socket answers while its main loop waits for a libvirtd
# that does not answer:  run.sh test-kvmnetd-busy.sh KVMNETD KVMNETCTL SOURCE_ROOT
#
# How the loop blocks, for real: the private libvirtd of run.sh is stopped
# with SIGSTOP (its socket still accepts; nothing answers), as a libvirtd
# wedged on a slow host or a hung QEMU monitor would be.
#  1. SIGHUP asks kvmnetd for a turn; the turn's first libvirt call waits
#     for a reply that does not come.  `kvmnetctl status` must answer
#     within its 1 s timeout and show "busy: observing libvirt at URI"
#     with a growing time.
#     (libvirt's keepalive does not end a call in progress: here the turn
#     waited as long as libvirtd stayed stopped, 160 s in a trial run.)
#  2. SIGCONT: the call returns, the turn ends, busy is gone.
#  3. Stopped again, a second kvmnetd starts: virConnectOpen() waits
#     before its loop ever runs; status shows "starting" and "busy:
#     connecting to URI"; after SIGCONT it comes up.
# The daemon runs in --dry-run on a fake igb host (tests/fixtures/
# sriov-igb-vfs).  kvmnetctl itself asks libvirt for its host view and
# would wait on the stopped libvirtd too (for its --timeout; that is
# test-cli-timeout.sh), so it is given libvirt's test driver: what is under
# test is the daemon section, from the socket.
set -uo pipefail

kvmnetd=$1 ctl=$2 src=$3
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
ldir=${KVMNET_TEST_DIR:?run me through tests/libvirt/run.sh}
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch kvmnetd-busy
pid= pid2= lpid=
t_cleanup() {
	[ -z "$lpid" ] || kill -CONT "$lpid" 2>/dev/null
	[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null
	[ -z "$pid2" ] || kill -TERM "$pid2" 2>/dev/null
	wait 2>/dev/null
}
# status: the daemon's view over the socket; the CLI's own libvirt is the
# test driver (see above).
status() { KVMNET_SYSROOT=$T/root KVMNET_CTL_SOCKET=$T/sock "$ctl" -c test:///default status "$@"; }
busy() { status --json | jq -r ".daemon.view.busy | if . == null then \"idle\" else .$1 end"; }
ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }
doing_is() { busy doing | grep -q -- "$1"; }
# Every status asked while blocked must answer within its 1 s timeout.
worst=0
timed_status() {
	local t0 t rc
	t0=$(ms)
	status >"$T/table" 2>"$T/err"
	rc=$?
	t=$(($(ms) - t0))
	[ "$t" -gt "$worst" ] && worst=$t
	[ "$rc" = 0 ] || fail "status ($1): exit $rc: $(cat "$T/err")"
	[ "$t" -lt 1000 ] || fail "status ($1) took $t ms"
	echo "status ($1): $t ms"
	grep -q "kvmnetd: not running" "$T/table" && fail "status ($1): $(grep kvmnetd "$T/table")"
}

fake_igb_host "$src" "$uri" "[daemon]" "log_level = debug"
KVMNET_SYSROOT=$T/root "$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
m1_zero() { [ "$(status --json 2>/dev/null | jq -r .daemon.view.m1)" = 0 ]; }
wait_for 10 m1_zero || { fail "no first turn: $(cat "$T/log")"; exit 1; }
[ "$(busy doing)" = idle ] || fail "busy while idle: $(busy doing)"

# 1. A turn waits on the stopped libvirtd.
lpid=$(cat "$ldir/run/libvirtd.pid")
kill -STOP "$lpid"
kill -HUP "$pid"
wait_for 5 grep -q "Reloaded" "$T/log" || fail "no reload"
sleep 1
timed_status observing
grep -q "^    busy: observing libvirt at $uri and 1 PF(s) (for [0-9.]* s)" "$T/table" ||
	fail "no busy line while observing: $(cat "$T/table")"
first=$(busy for_ms)
sleep 1
timed_status "observing, later"
[ "$(busy for_ms)" -ge $((first + 900)) ] 2>/dev/null || fail "busy time not growing: $first, then $(busy for_ms)"

# 2. libvirtd runs again: the call returns, the turn ends, busy is gone.
kill -CONT "$lpid"
lpid=
idle() { [ "$(status --json | jq -r '.daemon.view | "\(.libvirt.connected) \(.busy)"')" = "true null" ]; }
wait_for 10 idle || fail "not idle after SIGCONT: $(status --json | jq -c .daemon.view)"
status | grep -q "busy:" && fail "busy line when idle"

# 3. A second kvmnetd starts while libvirtd is stopped: its
# virConnectOpen() waits before the loop ever runs, and its socket says
# "starting" and why.
lpid=$(cat "$ldir/run/libvirtd.pid")
kill -STOP "$lpid"
mkdir "$T/state2"
sed "s|$T/state|$T/state2|" "$T/kvmnetd.conf" >"$T/kvmnetd2.conf"
KVMNET_SYSROOT=$T/root "$kvmnetd" --foreground --dry-run -c "$T/kvmnetd2.conf" -s "$T/sock2" 2>"$T/log2" &
pid2=$!
wait_for 10 test -S "$T/sock2" || fail "no socket from the second kvmnetd"
sleep 1
status2() { KVMNET_SYSROOT=$T/root KVMNET_CTL_SOCKET=$T/sock2 "$ctl" -c test:///default status "$@"; }
t0=$(ms)
status2 >"$T/table2" 2>&1 || fail "status of the starting kvmnetd: $(cat "$T/table2")"
t=$(($(ms) - t0))
[ "$t" -lt 1000 ] || fail "status of the starting kvmnetd took $t ms"
echo "status (starting): $t ms"
[ "$t" -gt "$worst" ] && worst=$t
grep -q "^kvmnetd: starting$" "$T/table2" ||
	fail "not shown as starting: $(grep -A1 kvmnetd "$T/table2")"
grep -q "^    busy: connecting to $uri (for [0-9.]* s)" "$T/table2" ||
	fail "no busy line while connecting: $(grep -A1 kvmnetd "$T/table2")"
echo "kvmnetctl status while kvmnetd's loop waited on a stopped libvirtd: slowest $worst ms"
kill -CONT "$lpid"
lpid=
m1_zero2() { [ "$(status2 --json | jq -r '.daemon.view | "\(.m1) \(.busy)"')" = "0 null" ]; }
wait_for 10 m1_zero2 || fail "the second kvmnetd did not come up: $(status2 --json | jq -c .daemon.view)"
kill -TERM "$pid2"
wait "$pid2" || fail "second kvmnetd: exit $?"
pid2=
[ -e "$T/sock2" ] && fail "second control socket left behind"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
[ -e "$T/sock" ] && fail "control socket left behind"
grep -E "LeakSanitizer|ThreadSanitizer|runtime error" "$T/log" "$T/log2" && fail "sanitizer report"

[ "$t_fails" = 0 ] || { echo "--- kvmnetd log"; cat "$T/log"; echo "--- second kvmnetd"; cat "$T/log2"; }
t_done "kvmnetd busy with libvirtd"
