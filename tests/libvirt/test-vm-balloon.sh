#!/bin/bash
# kvmnetctl vm balloon against the real libvirtd of run.sh and QEMU:
#   run.sh test-vm-balloon.sh KVMNETCTL
# A domain with a virtio balloon and no stats period runs paused (no guest
# code, so no guest statistics, and QEMU keeps the balloon at the maximum
# whatever <currentMemory> says): vm balloon must set the period through
# QEMU, show the size QEMU reports with the guest's figures unknown, set
# the balloon live to its maximum (QEMU takes the request), refuse to
# shrink a guest whose use is unknown, and name a model='none' balloon in
# vm advise and refuse to set it.  The real shrink with a guest driver is tests/lab/t-balloon.sh.
set -uo pipefail

ctl=$1
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
. "$(dirname "$0")/../lib/testlib.sh"
v() { virsh -q -c "$uri" "$@"; }
k() { "$ctl" -c "$uri" "$@"; }

t_scratch balloon
tmp=$T
cat >"$tmp/net.xml" <<'XML'
<network><name>kvmnet-bal</name><bridge name='kvbbr0' stp='off'/></network>
XML
dom() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <currentMemory unit='MiB'>96</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><memballoon model='$2'/></devices>
</domain>
XML
}
dom kvmnet-bal virtio >"$tmp/dom.xml"
dom kvmnet-nobal none >"$tmp/nobal.xml"
libvirt_start_paused "$tmp/net.xml" "$tmp/dom.xml" kvmnet-bal
v define "$tmp/nobal.xml" >/dev/null && v start --paused kvmnet-nobal >/dev/null || fail "cannot start kvmnet-nobal"

v dumpxml kvmnet-bal | grep -q "<stats period" && fail "the domain has a stats period before the test"
out=$(k vm balloon kvmnet-bal) || fail "vm balloon exit $?: $out"
grep -q "balloon 128.0 MiB of 128.0 MiB maximum, <memballoon model='virtio'>, statistics period set to 5 s now" \
	<<<"$out" || fail "vm balloon: $out"
grep -qE '^  actual +128.0 MiB' <<<"$out" || fail "vm balloon: actual: $out"
grep -qE '^  updated +never' <<<"$out" || fail "vm balloon: updated: $out"
grep -qE '^  usable +unknown' <<<"$out" || fail "vm balloon: usable: $out"
grep -q 'no floor: no balloon driver' <<<"$out" || fail "vm balloon: floor: $out"
v dumpxml kvmnet-bal | grep -q "<stats period='5'/>" || fail "the stats period was not set: $(v dumpxml kvmnet-bal)"

out=$(k vm balloon kvmnet-bal --json) || fail "vm balloon --json exit $?"
[ "$(jq -r '.current_kib, .max_kib, .stats_period, .usable_kib' <<<"$out" | xargs)" = "131072 131072 5 null" ] ||
	fail "vm balloon --json: $out"

out=$(k vm balloon kvmnet-bal 131072) || fail "set exit $?: $out"
grep -q 'balloon 128.0 MiB -> 128.0 MiB (131072 KiB)' <<<"$out" || fail "set: $out"

out=$(k vm balloon kvmnet-bal 64M 2>&1) && fail "shrink without statistics accepted: $out"
grep -q 'refusing 64.0 MiB, below the current 128.0 MiB: no floor' <<<"$out" || fail "shrink: $out"
[ "$(v dominfo kvmnet-bal | awk '/Used memory/ {print $3}')" = 131072 ] || fail "the refused shrink changed it"

out=$(k vm balloon kvmnet-bal 1G 2>&1) && fail "above the maximum accepted: $out"
grep -q 'above its maximum memory' <<<"$out" || fail "above max: $out"

out=$(k vm balloon kvmnet-nobal 64M 2>&1) && fail "model none accepted: $out"
grep -q "has no virtio balloon (<memballoon model='none'>)" <<<"$out" || fail "model none: $out"
out=$(k vm advise kvmnet-nobal) || fail "advise exit $?"
grep -q "<memballoon model='none'>: no balloon" <<<"$out" || fail "advise: $out"

v destroy kvmnet-nobal >/dev/null
out=$(k vm balloon kvmnet-nobal 2>&1) && fail "a shut-off domain shown: $out"
grep -q 'is not running' <<<"$out" || fail "shut off: $out"
t_done "vm balloon"
