#!/bin/bash
# kvmnetctl bench for real: namespaces, veth/bridge/macvlan, iperf3.
#   test-bench.sh KVMNETCTL      (meson suite 'bench'; 77 if not root)
# Short runs (2 x 1 s); checks the JSON and SVG, the usage errors, and
# that Ctrl-C leaves no namespace and no iperf3 behind.
set -uo pipefail

[ "$(id -u)" = 0 ] || { echo "needs root; skipping"; exit 77; }
ctl=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$ctl" bench --runs 2 --time 1 --json --svg "$tmp/b.svg" >"$tmp/b.json" || fail "bench exit $?"
[ "$(jq '.results | length' "$tmp/b.json")" = 6 ] || fail "want 6 results: $(cat "$tmp/b.json")"
jq -e '.results | all(.mean_bps > 0 and .min_bps <= .mean_bps and .mean_bps <= .max_bps
	and .stddev_bps >= 0 and (.bps | length) == 2)' "$tmp/b.json" >/dev/null || fail "stats: $(cat "$tmp/b.json")"
jq -e '[.results[] | select(.proto == "udp") | has("lost_percent_mean")] | all' "$tmp/b.json" >/dev/null ||
	fail "udp without loss"
[ "$(jq -r '[.results[].path] | unique | join(",")' "$tmp/b.json")" = "bridge,macvlan,veth" ] || fail "paths"
xmllint --noout "$tmp/b.svg" || fail "SVG is not XML"
[ "$(grep -c '<rect' "$tmp/b.svg")" = 6 ] || fail "SVG: want 6 bars"

out=$("$ctl" bench --path veth --proto tcp --runs 1 --time 1) || fail "table exit $?"
grep -qE '^veth +tcp +1 ' <<<"$out" || fail "table: $out"
[ "$(wc -l <<<"$out")" = 3 ] || fail "table: one path, one proto: $out"

for bad in "--runs 0" "--runs 101" "--time x" "--path tun" "--proto sctp" "--udp-bitrate fast" "extra"; do
	# shellcheck disable=SC2086
	"$ctl" bench $bad >/dev/null 2>&1
	[ $? = 2 ] || fail "bench $bad: want exit 2"
done

# Ctrl-C in the middle of a run.
"$ctl" bench --path bridge --runs 5 --time 3 >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 1 ] || fail "interrupted bench: exit $rc"
grep -q interrupted "$tmp/int.err" || fail "interrupted bench said: $(cat "$tmp/int.err")"
ip netns list | grep -q "kvmnet-bench-$pid-" && fail "namespaces left: $(ip netns list)"
pgrep -f "kvmnet-bench-$pid-" >/dev/null && fail "processes left: $(pgrep -af "kvmnet-bench-$pid-")"

echo "$fails failed"
[ "$fails" = 0 ]
