#!/bin/bash
# One kvmnetd per state directory and per socket (issue 19, items 2, 3):
# a second daemon, a dry run next to a live one, and --socket pointing at
# a live socket, a regular file or a missing directory are each refused
# (exit 2, naming the pid or the file) without touching what is there; a
# stale socket (left by a SIGKILLed daemon) is replaced.
# The live daemon runs on a copy of the fake igb host with a threshold the
# test driver's two VMs do not reach, so it changes nothing.
#   test-kvmnetd-instance.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch instance
pid=
t_cleanup() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; }
uri="test://$src/tests/fixtures/libvirt-test/node.xml"
cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root" || exit 1
export KVMNET_SYSROOT=$T/root
conf() { # conf FILE STATE_DIR
	printf '[libvirt]\nuri = %s\n[sriov]\npf = 0000:01:00.0\nthreshold = 10\n[daemon]\nstate_dir = %s\n' \
		"$uri" "$2" >"$1"
}
conf "$T/a.conf" "$T/state"
conf "$T/b.conf" "$T/state-b"
status() { KVMNET_CTL_SOCKET=$1 "$ctl" -c "$uri" status --json 2>/dev/null | jq -r .daemon.running; }
# second NAME CMD...: a second kvmnetd must exit 2 at once (timeout: it ran)
second() {
	local name=$1
	shift
	timeout 10 "$@" 2>"$T/$name.err"
	rc=$?
	[ "$rc" = 2 ] || fail "$name: exit $rc, expected 2: $(cat "$T/$name.err")"
}

"$kvmnetd" --foreground -c "$T/a.conf" -s "$T/sock" 2>"$T/a.log" &
pid=$!
wait_for 10 test -S "$T/sock" || fail "first daemon: no socket"
wait_for 5 grep -q "kvmnetd running" "$T/a.log" || fail "first daemon: not running: $(cat "$T/a.log")"
[ "$(cat "$T/state/kvmnetd.lock" 2>/dev/null)" = "$pid" ] || fail "lock file does not hold pid $pid"
ino=$(stat -c %i "$T/sock")

# The same state directory, another socket.
second same-state "$kvmnetd" --foreground -c "$T/a.conf" -s "$T/sock2"
grep -q "$T/state is in use by kvmnetd pid $pid" "$T/same-state.err" || fail "same state: $(cat "$T/same-state.err")"
[ -e "$T/sock2" ] && fail "same state: the second daemon made a socket"
# The same socket, another state directory.
second same-sock "$kvmnetd" --foreground -c "$T/b.conf" -s "$T/sock"
grep -q "Control socket $T/sock is served by another process, pid $pid" "$T/same-sock.err" ||
	fail "same socket: $(cat "$T/same-sock.err")"
# A dry run next to the live daemon.
second dry-run "$kvmnetd" --foreground --dry-run -c "$T/a.conf" -s "$T/sock3"
grep -q "is in use by kvmnetd pid $pid.*a dry run does not run next to a live daemon" "$T/dry-run.err" ||
	fail "dry run: $(cat "$T/dry-run.err")"
[ -e "$T/sock3" ] && fail "dry run next to a live daemon made a socket"
second dry-run-sock "$kvmnetd" --foreground --dry-run -c "$T/b.conf" -s "$T/sock"
[ "$(stat -c %i "$T/sock")" = "$ino" ] || fail "the live daemon's socket was replaced"
[ "$(status "$T/sock")" = true ] || fail "the live daemon no longer answers"

# --socket at a regular file, and in a directory that does not exist.
echo precious >"$T/file"
second file-sock "$kvmnetd" --foreground -c "$T/b.conf" -s "$T/file"
[ "$(cat "$T/file")" = precious ] || fail "--socket deleted or changed a regular file"
grep -q "$T/file: something that is not a socket is there; not removing it" "$T/file-sock.err" ||
	fail "file socket: $(cat "$T/file-sock.err")"
second no-dir "$kvmnetd" --foreground --dry-run -c "$T/b.conf" -s "$T/nodir/sub/sock"
[ -e "$T/nodir" ] && fail "--socket created missing parent directories"
grep -q "$T/nodir/sub: no such directory" "$T/no-dir.err" || fail "missing directory: $(cat "$T/no-dir.err")"

# SIGKILL: the kernel drops the lock, the socket is stale and replaced.
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
[ -S "$T/sock" ] || fail "SIGKILL: no stale socket left (test assumption)"
"$kvmnetd" --foreground -c "$T/a.conf" -s "$T/sock" 2>"$T/c.log" &
pid=$!
wait_for 10 grep -q "kvmnetd running" "$T/c.log" || fail "after SIGKILL: not started: $(cat "$T/c.log")"
[ "$(status "$T/sock")" = true ] || fail "after SIGKILL: the new daemon does not answer"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
[ -e "$T/sock" ] && fail "socket left behind"

t_done "kvmnetd one instance"
