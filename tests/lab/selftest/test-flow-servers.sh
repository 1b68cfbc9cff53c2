#!/bin/bash
# lib-flow.sh's flow_servers_ready on a fake guest agent (no lab): it
# waits for both iperf3 servers to listen, starts again only one that
# never does (with its log shown), and starts nothing when the guest's
# sockets cannot be read.  The lab's own runs are t-failover-guest.sh
# and t-migrate.sh.
set -u
top=${1:?usage: test-flow-servers.sh SRCROOT}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

W=$T FLOWS=$T PING_INTERVAL=0.1
lab_log() { echo "log: $*" >>"$T/out"; }
lab_assert_ok() { shift; "$@" && echo "ok" >>"$T/out"; }
. "$top/tests/lab/lib-flow.sh"
# A fake clock: each sleep advances it; 60 s have passed after 30 reads.
lab_now() { cat "$T/clock"; }
lab_since() { echo $(($(cat "$T/clock") - $1)); }
lab_within() { [ $(($(cat "$T/clock") - $1)) -lt "$2" ]; }
sleep() { echo $(($(cat "$T/clock") + 2)) >"$T/clock"; }

# socket LOCAL-HEX-PORT STATE: a /proc/net/tcp6 line.
socket() { echo "   0: 00000000000000000000000000000000:$1 00000000000000000000000000000000:0000 $2 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0"; }
# The fake agent: guest-side reads answer from $T/listen.N (the Nth read
# of the sockets; the last one given holds), "cat" fails when
# $T/agent-down exists or after as many reads as $T/agent-down-after
# says; an iperf3 start is recorded.
lab_vm_exec() {
	local dom=$1
	shift 2
	case $1 in
	cat)
		[ ! -e "$T/agent-down" ] || return 125
		local n
		n=$(($(cat "$T/reads") + 1))
		echo $n >"$T/reads"
		[ ! -e "$T/agent-down-after" ] || [ $n -le "$(cat "$T/agent-down-after")" ] || return 125
		[ -e "$T/listen.$n" ] || n=$(ls "$T"/listen.* | sed 's/.*\.//' | sort -n | tail -n 1)
		echo "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
		cat "$T/listen.$n" ;;
	iperf3) echo "start $dom $*" >>"$T/out" ;;
	tail) echo "iperf3: error - the client has terminated"; echo "iperf3: exiting" ;;
	/bin/sh) echo "[  99.1] iperf3[812]: segfault at 28" ;;
	*) return 127 ;;
	esac
}
# case NAME: a fresh fake guest and clock.
case_() { rm -f "$T"/listen.* "$T"/agent-down* "$T/out"; echo 0 >"$T/reads"; echo 100 >"$T/clock"; touch "$T/out"; }

case_
{ socket 1451 0A; socket 1452 0A; socket 1451 01; } >"$T/listen.1"
flow_servers_ready G
[ ! -s "$T/out" ] || { fail "both listening: something was said or done:"; cat "$T/out"; }
[ "$(cat "$T/reads")" = 1 ] || fail "both listening: $(cat "$T/reads") reads, want 1"

case_
{ socket 1452 0A; socket 1451 06; } >"$T/listen.1"
cp "$T/listen.1" "$T/listen.2"
{ socket 1452 0A; socket 1451 0A; } >"$T/listen.3"
flow_servers_ready G
grep -q '^start' "$T/out" && fail "a server that listens again after 4 s was started again"
grep -q "^log: flow: G's iperf3 servers listen after 4 s$" "$T/out" ||
	{ fail "the wait is not logged as expected:"; cat "$T/out"; }

case_
{ socket 1451 0A; socket 1451 01; } >"$T/listen.1"
flow_servers_ready G
[ "$(grep -c '^start' "$T/out")" = 1 ] || { fail "one server gone: not one start:"; cat "$T/out"; }
grep -q '^start G iperf3 -s -D -p 5202 --forceflush --logfile /run/iperf3-5202.log$' "$T/out" ||
	{ fail "the port 5202 server was not the one started again:"; cat "$T/out"; }
grep -q "^log: flow: G's iperf3 server on port 5202 ended; its log: .*exiting" "$T/out" ||
	fail "the ended server's log is not shown"
grep -q "^log: flow: G's kernel on iperf3: .*segfault" "$T/out" ||
	fail "the guest's kernel lines on iperf3 are not shown"
[ "$(lab_now)" -ge 160 ] || fail "gave up after $(($(lab_now) - 100)) s, before 60 s"

case_
touch "$T/agent-down"
flow_servers_ready G
grep -q '^start' "$T/out" && fail "unread sockets: a server was started"
grep -q "^log: flow: G's listening sockets could not be read$" "$T/out" ||
	{ fail "unread sockets: not said:"; cat "$T/out"; }

# Port 5202 missing at the first read, then the agent fails: that
# reading is stale, nothing is started on it.
case_
{ socket 1451 0A; } >"$T/listen.1"
echo 1 >"$T/agent-down-after"
flow_servers_ready G
grep -q '^start' "$T/out" && fail "a read failed after one without 5202: a server was started on the stale read"
grep -q "^log: flow: G's listening sockets could not be read$" "$T/out" ||
	{ fail "a read failed during the wait: not said:"; cat "$T/out"; }

[ $fails = 0 ] && echo "flow_servers_ready: 5 cases passed"
exit $((fails > 0))
