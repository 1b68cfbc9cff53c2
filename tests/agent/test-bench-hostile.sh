#!/bin/bash
# kvmnetctl bench against hostile guest agents (tests/agent/fake-agent.py
# behind libvirt test-driver domains, as test-bench-agent.sh does with
# real qemu-ga): a guest flooding "still running" replies with output, one
# huge reply, and terminal escapes and an errno-like exit code in what it
# says.  Each must end in an error naming the guest, with bounded memory,
# and nothing a guest said may reach the terminal raw.
#   test-bench-hostile.sh KVMNETCTL SOURCE_DIR      (exit 77 without python3)
set -uo pipefail

command -v python3 >/dev/null || { echo "python3 is not installed; skipping"; exit 77; }
ctl=$(realpath "$1")
src=$2
uri="test://$src/tests/fixtures/libvirt-test/bench.xml"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
dir=$(mktemp -d /tmp/kvmnet-bench-hostile.XXXXXX) || exit 1
pids=()
stop_agents() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	pids=()
}
trap 'stop_agents; rm -rf "$dir"' EXIT
export KVMNET_GUEST_AGENT_DIR=$dir

agents() { # MODE-OF-agent MODE-OF-agent2 [MIB]
	stop_agents
	rm -f "$dir"/*.sock
	python3 "$src/tests/agent/fake-agent.py" "$dir/agent.sock" "$1" "${3:-2}" 2>"$dir/agent.log" &
	pids+=($!)
	python3 "$src/tests/agent/fake-agent.py" "$dir/agent2.sock" "$2" 2>"$dir/agent2.log" &
	pids+=($!)
	for n in agent agent2; do
		for _ in $(seq 50); do [ -S "$dir/$n.sock" ] && break; sleep 0.1; done
	done
}
# bench with its peak memory (KiB) in $dir/rss; at most 90 s.
bench() {
	/usr/bin/time -f %M -o "$dir/rss" timeout 90 "$ctl" -c "$uri" bench "$@" >"$dir/out" 2>"$dir/err"
}
raw_escapes() { LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; }

# 1. "Still running", with 2 MiB of output every 200 ms: cut off at the
# per-process limit, the guest named; its output was never kept.
agents flood quiet 2
bench --from vm:agent@127.0.0.1 --to vm:agent2@127.0.0.1 -r 1 -t 1 -P tcp
rc=$?
[ "$rc" = 1 ] || fail "flood: exit $rc: $(cat "$dir/err")"
grep -q "vm:agent@127.0.0.1: the guest agent of 'agent' sent too much" "$dir/err" || fail "flood said: $(cat "$dir/err")"
rss=$(tail -n1 "$dir/rss" 2>/dev/null)
[ "${rss:-0}" -lt $((400 * 1024)) ] || fail "flood: peak RSS ${rss:-?} KiB"

# 2. One reply over the per-reply limit (20 MiB of output).
agents huge quiet 20
bench --from vm:agent@127.0.0.1 --to vm:agent2@127.0.0.1 -r 1 -t 1 -P tcp
rc=$?
[ "$rc" = 1 ] || fail "huge: exit $rc: $(cat "$dir/err")"
grep -q "the guest agent of 'agent' sent too much (the guest agent's reply is over 16 MiB)" "$dir/err" ||
	fail "huge said: $(cat "$dir/err")"

# 3. Escapes in iperf3's error, in an interface name, and exit code -2
# (once taken as -ENOENT, so the error said nothing).
agents evil quiet
bench --from vm:agent --to vm:agent2 -r 1 -t 1 -P tcp
rc=$?
[ "$rc" = 1 ] || fail "evil: exit $rc: $(cat "$dir/err")"
raw_escapes "$dir/err" && fail "evil: control characters reached the terminal: $(cat -v "$dir/err")"
grep -qF 'iperf3: unable to send control message\x1b[2J\x1b]0;pwned\x07\nkvmnetctl bench: all fine\r' "$dir/err" ||
	fail "evil said: $(cat -v "$dir/err")"
grep -qF 'using 192.0.2.1 on eth\x1b[31m0' "$dir/err" || fail "evil ifname: $(cat -v "$dir/err")"

echo "$fails failed"
[ "$fails" = 0 ]
