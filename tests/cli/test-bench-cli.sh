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

# The charts: against their goldens, valid XML, a bar per row, grouped
# under the two labels.
svg_golden() {
	local name=$1 file=$2 l
	if [ -n "${KVMNET_UPDATE_GOLDEN:-}" ]; then
		cp "$file" "$gold/$name"
	elif ! cmp -s "$file" "$gold/$name"; then
		fail "$name differs"
		diff -u "$gold/$name" "$file" | head -20
	fi
	xmllint --noout "$file" || fail "$name: not XML"
	[ "$(grep -c '<rect' "$file")" = 4 ] || fail "$name: want 4 bars"
	shift 2
	for l in "$@"; do
		[ "$(grep -c ">$l<" "$file")" = 1 ] || fail "$name: label $l once"
	done
}
svg_golden bench-compare-vm.svg "$tmp/ba.svg" virtio vf Gbit/s
# The lab's small rates (9.6 to 34 Mbit/s): in Mbit/s on a 0-40 axis, not
# as bars of 0.01 on 0-1 Gbit/s.
(cd "$data" && "$ctl" bench --compare bench-small-before.json bench-small-after.json \
	--svg "$tmp/small.svg" >/dev/null) || fail "--compare of the small runs"
svg_golden bench-compare-small.svg "$tmp/small.svg" virtio vf Mbit/s 40 34.0 9.6

# --svg replaces FILE and never follows a symlink there: the target keeps
# its content, the link becomes the chart.
echo keep >"$tmp/target"
ln -s "$tmp/target" "$tmp/link.svg"
(cd "$data" && "$ctl" bench --compare bench-vf.json --svg "$tmp/link.svg" >/dev/null) || fail "--svg onto a symlink"
[ "$(cat "$tmp/target")" = keep ] || fail "--svg followed the symlink and wrote its target"
{ [ -f "$tmp/link.svg" ] && [ ! -L "$tmp/link.svg" ]; } || fail "--svg did not replace the symlink"
xmllint --noout "$tmp/link.svg" || fail "--svg onto a symlink: not XML"
mkdir "$tmp/dir.svg"
(cd "$data" && "$ctl" bench --compare bench-vf.json --svg "$tmp/dir.svg" >/dev/null 2>&1) && fail "--svg onto a directory succeeded"
[ -z "$(ls -A "$tmp" | grep '^\.')" ] || fail "--svg left a temporary file: $(ls -A "$tmp")"

# The compare document reads back into --compare.
(cd "$data" && "$ctl" bench --compare bench-virtio.json bench-vf.json --json) >"$tmp/c.json"
"$ctl" bench --compare "$tmp/c.json" >/dev/null || fail "--compare of a --compare document"
jq -e . "$gold/bench-compare-vm.json" >/dev/null || fail "bench-compare-vm.json: not JSON"

t_done "bench CLI"
