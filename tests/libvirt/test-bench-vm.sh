#!/bin/bash
# kvmnetctl bench --from/--to against the real libvirtd of run.sh and QEMU
# (TCG) domains with no operating system, started paused:
#   run.sh test-bench-vm.sh KVMNETCTL
# What an operator meets before any iperf3 runs, from the real QEMU
# driver: a domain whose guest agent channel nobody answers (libvirt's
# live XML says state='disconnected'), one without the channel, one shut
# off, one missing.  The measurement itself needs a guest with qemu-ga
# and iperf3: tests/lab.
set -uo pipefail

ctl=$1
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
v() { virsh -q -c "$uri" "$@"; }
k() { "$ctl" -c "$uri" "$@"; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
domain() { # NAME CHANNEL
	cat >"$tmp/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>1</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>$2</devices>
</domain>
XML
	v define "$tmp/$1.xml" >/dev/null || { echo "cannot define $1"; exit 1; }
}
domain kvmnet-bench-ga "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
domain kvmnet-bench-noga ""
domain kvmnet-bench-off "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
for d in kvmnet-bench-ga kvmnet-bench-noga; do
	v start --paused "$d" >/dev/null || { echo "cannot start $d"; exit 1; }
done

expect() { # RC PATTERN ARGS...
	local want=$1 pat=$2 out rc
	shift 2
	out=$(k bench "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "bench $*: exit $rc, want $want: $out"
	grep -q -- "$pat" <<<"$out" || fail "bench $*: no '$pat' in: $out"
}

# The live XML of a domain whose agent never connected.
v dumpxml kvmnet-bench-ga | grep -q "name='org.qemu.guest_agent.0' state='disconnected'" ||
	fail "libvirt's live XML has no state='disconnected': $(v dumpxml kvmnet-bench-ga | grep guest_agent)"
expect 1 "the guest agent of 'kvmnet-bench-ga' does not answer" --from host --to vm:kvmnet-bench-ga
expect 1 "install and start qemu-guest-agent in the guest" --from vm:kvmnet-bench-ga@10.0.0.1 --to host
expect 1 "has no guest agent channel; add <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>" \
	--from host --to vm:kvmnet-bench-noga
expect 1 "domain 'kvmnet-bench-off' is not running" --from vm:kvmnet-bench-off --to vm:kvmnet-bench-ga
expect 1 "no domain 'kvmnet-bench-nope'" --from host --to vm:kvmnet-bench-nope
# Nothing was left running on the host.
pgrep -x iperf3 >/dev/null && pgrep -ax iperf3 | grep -q -- "-s -B" && fail "an iperf3 server was left behind"

for d in kvmnet-bench-ga kvmnet-bench-noga; do v destroy "$d" >/dev/null; done
for d in kvmnet-bench-ga kvmnet-bench-noga kvmnet-bench-off; do v undefine "$d" >/dev/null; done
echo "$fails failed"
[ "$fails" = 0 ]
