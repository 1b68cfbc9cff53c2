#!/bin/bash
# kvmnetctl bench --from/--to end to end on this machine, without a guest:
# libvirt's test driver says the domains of tests/fixtures/libvirt-test/
# bench.xml exist, run and have the agent channel; behind "agent", "agent2"
# and "noiperf" are real qemu-ga processes of this machine, listening on
# $KVMNET_GUEST_AGENT_DIR/NAME.sock, so every guest-exec, guest-exec-status,
# kill and guest-network-get-interfaces of kvmnetctl goes to a real agent
# and runs real iperf3 processes (here, on the host).  What only a real
# guest adds (the virtio channel, libvirt in between) is tests/lab's.
#   test-bench-agent.sh KVMNETCTL SOURCE_DIR      (exit 77 without qemu-ga)
set -uo pipefail

command -v qemu-ga >/dev/null && command -v iperf3 >/dev/null && command -v jq >/dev/null ||
	{ echo "qemu-ga, iperf3 or jq is not installed; skipping"; exit 77; }
# The agents run in a network namespace of their own, joined to the host
# by a veth pair whose host end is the domains' <target dev>: kvmnetctl
# only sends the host's iperf3 towards a guest address that routes by one
# of the guest's own devices.
[ "$(id -u)" = 0 ] || { echo "needs root (a network namespace for the fake guests); skipping"; exit 77; }
ctl=$(realpath "$1")
src=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
dir=$(mktemp -d /tmp/kvmnet-bench-agent.XXXXXX) || exit 1
ns=kvmnet-bench-$$ dev=kvb$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip link del "$dev" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns" && ip link add "$dev" type veth peer name g0 netns "$ns" &&
	ip addr add 198.51.100.1/30 dev "$dev" && ip link set "$dev" up &&
	ip -n "$ns" addr add 198.51.100.2/30 dev g0 && ip -n "$ns" link set g0 up && ip -n "$ns" link set lo up ||
	{ echo "FAIL: the fake guests' network"; exit 1; }
# noiperf has no NIC in the fixture: it gets one on the same link.
sed -e "s#<source network='default'/>#&<target dev='$dev'/>#" \
	-e "/<name>noiperf</,/<devices>/s#<devices>#&<interface type='network'><source network='default'/><target dev='$dev'/></interface>#" \
	"$src/tests/fixtures/libvirt-test/bench.xml" >"$dir/bench.xml"
uri="test://$dir/bench.xml"

qga() { # NAME [PATH]
	mkdir -p "$dir/$1.state"
	ip netns exec "$ns" env PATH="${2:-$PATH}" "$(command -v qemu-ga)" -m unix-listen -p "$dir/$1.sock" \
		-t "$dir/$1.state" 2>"$dir/$1.log" &
	pids+=($!)
}
qga agent
qga agent2
qga noiperf /nonexistent
for n in agent agent2 noiperf; do
	for _ in $(seq 50); do [ -S "$dir/$n.sock" ] && break; sleep 0.1; done
done
export KVMNET_GUEST_AGENT_DIR=$dir
k() { "$ctl" -c "$uri" bench "$@"; }
# iperf3 processes the agents started and nobody stopped.
leftovers() { for p in "${pids[@]}"; do pgrep -P "$p" -a; done; }

# host -> VM: a one-off server through the agent per run, the VM's address
# from guest-network-get-interfaces.
out=$(k --from host --to vm:agent -r 2 -t 1 --json 2>"$dir/err") || fail "host->vm exit $?: $(cat "$dir/err")"
jq -e '.results | length == 2 and all(.label == "host->vm:agent" and .from == "host" and .to == "vm:agent"
	and (.bps | length) == 2 and .mean_bps > 0 and (has("path") | not))' <<<"$out" >/dev/null ||
	fail "host->vm JSON: $out"
[ -z "$(leftovers)" ] || fail "host->vm left: $(leftovers)"

# VM -> host: the client through the agent, the host's server on its
# source address towards the VM, run as nobody: it talks to a guest.
k --from vm:agent --to host -r 1 -t 3 -P tcp --label virtio >"$dir/out" 2>"$dir/err" &
bench=$!
user=
for _ in $(seq 100); do
	user=$(pgrep -f "iperf3 -s -B 198.51.100.1" | head -n1 | xargs -r ps -o user= -p)
	[ -n "$user" ] && break
	sleep 0.1
done
[ "$user" = nobody ] || fail "the host's iperf3 server runs as '$user', not nobody"
wait "$bench" || fail "vm->host exit $?: $(cat "$dir/err")"
grep -qE '^virtio +tcp +1 ' "$dir/out" || fail "vm->host table: $(cat "$dir/out")"
pgrep -f "iperf3 -s -B" >/dev/null && fail "vm->host left the host's server"

# An address that does not route by the guest's own devices (here the
# host's loopback) is refused: a guest cannot point the host's iperf3 at
# the management network.
out=$(k --from host --to vm:agent@127.0.0.1 -r 1 -t 1 2>&1) && fail "an address off the guest's path was used: $out"
grep -q "the host reaches 127.0.0.1 by lo, which is none of agent's devices ($dev)" <<<"$out" ||
	fail "off-path address: $out"
out=$(k --from vm:agent@127.0.0.1 --to host -r 1 -t 1 2>&1) && fail "an off-path sender was used: $out"
grep -q "refusing to run iperf3 towards it" <<<"$out" || fail "off-path sender: $out"

# VM -> VM@IPV4, UDP, the sender bound to its own @IPV4.
out=$(k --from vm:agent@127.0.0.1 --to vm:agent2@127.0.0.1 -r 1 -t 1 -P udp -b 100M --json --svg "$dir/c.svg" \
	2>"$dir/err") || fail "vm->vm exit $?: $(cat "$dir/err")"
jq -e '.results[0].label == "vm:agent@127.0.0.1->vm:agent2@127.0.0.1" and .results[0].proto == "udp"
	and .results[0].mean_bps > 0 and (.results[0].lost_percent | length) == 1' <<<"$out" >/dev/null ||
	fail "vm->vm JSON: $out"
xmllint --noout "$dir/c.svg" || fail "SVG is not XML"
[ -z "$(leftovers)" ] || fail "vm->vm left: $(leftovers)"

# iperf3 not installed in the guest: the operator is told to install it.
out=$(k --from host --to vm:noiperf -r 1 -t 1 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "noiperf: exit $rc: $out"
grep -q "install iperf3 in noiperf" <<<"$out" || fail "noiperf: $out"
out=$(k --from vm:noiperf --to host -r 1 -t 1 2>&1)
grep -q "install iperf3 in noiperf" <<<"$out" || fail "noiperf as sender: $out"

# An agent that is gone: "does not answer".
kill "${pids[1]}"
wait "${pids[1]}" 2>/dev/null
out=$(k --from vm:agent --to vm:agent2 -r 1 -t 1 2>&1)
grep -q "the guest agent of 'agent2' does not answer" <<<"$out" || fail "agent gone: $out"
qga agent2
for _ in $(seq 50); do [ -S "$dir/agent2.sock" ] && break; sleep 0.1; done

# Ctrl-C in the middle: exit 1, and the client and server the agents
# started are stopped through them (kill PID).
# (kvmnetctl itself in the background, not a subshell running k.)
"$ctl" -c "$uri" bench --from vm:agent --to vm:agent2@127.0.0.1 -r 5 -t 5 -P tcp >"$dir/int.out" 2>"$dir/int.err" &
bench=$!
for _ in $(seq 100); do [ -n "$(leftovers)" ] && break; sleep 0.1; done
sleep 2
kill -INT "$bench"
wait "$bench"
rc=$?
[ "$rc" = 1 ] || fail "interrupted: exit $rc: $(cat "$dir/int.err")"
grep -q interrupted "$dir/int.err" || fail "interrupted said: $(cat "$dir/int.err")"
[ -z "$(leftovers)" ] || fail "interrupted left: $(leftovers)"

echo "$fails failed"
[ "$fails" = 0 ]
