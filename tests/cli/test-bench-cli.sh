#!/bin/bash
# kvmnetctl bench without root and without a guest: the usage errors of
# --from/--to, the errors an operator gets for a VM end (libvirt's test
# driver: a missing domain, one shut off, one without the guest agent's
# channel, a driver with no agent), and --compare of saved --json files,
# all against golden files in tests/golden/bench-*.
#   test-bench-cli.sh KVMNETCTL SOURCE_DIR
# KVMNET_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -uo pipefail

ctl=$(realpath "$1")
src=$2
gold=$src/tests/golden
data=$src/tests/cli/data
uri="test://$src/tests/fixtures/libvirt-test/bench.xml"
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch bench-cli
tmp=$T

# The output with the source directory as @SRC@, so the goldens hold no
# machine's path.
check() {
	local name=$1 want_rc=$2
	shift 2
	local out rc
	out=$(cd "$data" && "$ctl" -c "$uri" "$@" 2>&1)
	rc=$?
	golden "$name" "$want_rc" "$rc" "${out//$src/@SRC@}"
}

# Usage errors: exit 2, nothing measured.
check bench-host-host.txt 2 bench --from host --to host
check bench-same-vm.txt 2 bench --from vm:agent --to vm:agent@10.0.0.2
check bench-bad-ep.txt 2 bench --from guest:a --to host
check bench-bad-ep-addr.txt 2 bench --from host --to vm:agent@10.0.0.300
check bench-no-domain-name.txt 2 bench --from vm: --to host
check bench-from-only.txt 2 bench --from vm:agent
check bench-path-with-ends.txt 2 bench --from host --to vm:agent --path veth
check bench-bad-label.txt 2 bench --from host --to vm:agent --label "$(printf 'a\tb')"
check bench-compare-none.txt 2 bench --compare
check bench-compare-with-ends.txt 2 bench --compare bench-vf.json --from host --to vm:agent
check bench-compare-runs.txt 2 bench --compare bench-vf.json --runs 3

# VM ends the operator has to fix: exit 1 with what to do.
check bench-missing-domain.txt 1 bench --from host --to vm:nope
check bench-vm-off.txt 1 bench --from vm:off --to host
check bench-no-agent-channel.txt 1 bench --from host --to vm:no-agent
check bench-no-agent-driver.txt 1 bench --from vm:agent --to host --label virtio

# --compare: the before and after.
check bench-compare-netns.txt 0 bench --compare bench-before.json bench-after.json
check bench-compare-old.txt 0 bench --compare bench-old-netns.json bench-before.json
check bench-compare-vm.json 0 bench --compare bench-virtio.json bench-vf.json --json
check bench-compare-vm.txt 0 bench --compare bench-virtio.json bench-vf.json --svg "$tmp/ba.svg"
# One label in two files: each row says which file it came from.
cp "$data/bench-virtio.json" "$tmp/virtio-again.json"
check bench-compare-same-label.txt 0 bench --compare bench-virtio.json "$tmp/virtio-again.json"
check bench-compare-missing.txt 1 bench --compare bench-vf.json nope.json
check bench-compare-not-json.txt 1 bench --compare bench-vf.json README

# The chart: valid XML, a bar per row, grouped under the two labels.
if [ -n "${KVMNET_UPDATE_GOLDEN:-}" ]; then
	cp "$tmp/ba.svg" "$gold/bench-compare-vm.svg"
elif ! cmp -s "$tmp/ba.svg" "$gold/bench-compare-vm.svg"; then
	fail "bench-compare-vm.svg differs"
	diff -u "$gold/bench-compare-vm.svg" "$tmp/ba.svg" | head -20
fi
xmllint --noout "$tmp/ba.svg" || fail "SVG is not XML"
[ "$(grep -c '<rect' "$tmp/ba.svg")" = 4 ] || fail "SVG: want 4 bars"
for l in virtio vf; do
	[ "$(grep -c ">$l<" "$tmp/ba.svg")" = 1 ] || fail "SVG: label $l once"
done

# The compare document reads back into --compare.
(cd "$data" && "$ctl" bench --compare bench-virtio.json bench-vf.json --json) >"$tmp/c.json"
"$ctl" bench --compare "$tmp/c.json" >/dev/null || fail "--compare of a --compare document"
jq -e . "$gold/bench-compare-vm.json" >/dev/null || fail "bench-compare-vm.json: not JSON"

t_done "bench CLI"
