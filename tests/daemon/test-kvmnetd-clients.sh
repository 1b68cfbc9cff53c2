#!/bin/bash
# No control-socket client delays another, or the daemon's stop (issue 19,
# item 7): kvmnetd (--dry-run, fake igb host, libvirt's test driver) with
# 17 idle clients and one trickling a byte every 0.8 s still answers
# `kvmnetctl status` (which gives up after 1 s), and SIGTERM stops it at
# once.  Before, clients were served one at a time with a 1 s timeout each:
# status was unavailable for ~18 s and the trickler held SIGTERM ~47 s.
# Prints both times.
#   test-kvmnetd-clients.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch clients
pid= cpid=
t_cleanup() {
	[ -z "$cpid" ] || kill "$cpid" 2>/dev/null
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
}
uri="test://$src/tests/fixtures/libvirt-test/node.xml"
fake_igb_host "$src" "$uri"
ms() { date +%s%3N; }

"$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
wait_for 10 grep -q "would attach" "$T/log" || fail "daemon did not start: $(cat "$T/log")"

python3 -u - "$T/sock" >"$T/clients" <<'PY' &
import socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    return s
# The trickler first: the old server took it first and was held by it.
t = conn()
idle = [conn() for _ in range(17)]
print("connected", flush=True)
# Reconnect whoever the daemon drops: the load stays on for the whole test.
while True:
    try:
        t.send(b"s")
    except OSError:
        t = conn()
    for i, s in enumerate(idle):
        s.setblocking(False)
        try:
            if s.recv(64) == b"":
                idle[i] = conn()
        except BlockingIOError:
            pass
        except OSError:
            idle[i] = conn()
    time.sleep(0.8)
PY
cpid=$!
wait_for 5 grep -q connected "$T/clients" || fail "clients did not connect"
sleep 0.5

for i in 1 2 3; do
	t0=$(ms)
	KVMNET_CTL_SOCKET=$T/sock "$ctl" -c "$uri" status --json >"$T/status.json" 2>&1
	t=$(($(ms) - t0))
	echo "kvmnetctl status with 17 idle clients and a trickler: $t ms"
	[ "$(jq -r .daemon.running "$T/status.json")" = true ] ||
		fail "status $i: daemon not seen: $(jq -c .daemon "$T/status.json")"
done

t0=$(ms)
kill -TERM "$pid"
# Bounded wait (before the fix the trickler held the stop for ~47 s),
# polled every 5 ms for the time printed.
for _ in $(seq 1000); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.005
done
kill -0 "$pid" 2>/dev/null && fail "SIGTERM: still running after 5 s"
echo "SIGTERM to exit with the clients connected: $(($(ms) - t0)) ms"
wait "$pid" 2>/dev/null
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
[ -e "$T/sock" ] && fail "control socket left behind"

t_done "kvmnetd with idle and trickling clients"
