#!/bin/bash
# kvmnetctl vm show/advise/apply against the real libvirtd of run.sh:
#   run.sh test-vm-apply.sh KVMNETCTL
# A Debian-tagged domain with an emulated e1000 on a libvirt network runs
# (paused); apply must move its persistent definition to virtio with
# min(vCPUs, 8) queues and the backend this host supports, leave the live
# domain alone until restarted, and QEMU must then start with it.
# virsh sets up and inspects; only kvmnetctl is under test.
set -uo pipefail

ctl=$1
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
. "$(dirname "$0")/../lib/testlib.sh"
v() { virsh -q -c "$uri" "$@"; }
k() { "$ctl" -c "$uri" "$@"; }

backend=qemu
[ -e /dev/vhost-net ] && backend=vhost

t_scratch vm
tmp=$T
cat >"$tmp/net.xml" <<'XML'
<network><name>kvmnet-apply</name><bridge name='kvabr0' stp='off'/></network>
XML
cat >"$tmp/dom.xml" <<'XML'
<domain type='qemu'>
  <name>kvmnet-apply</name>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>2</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:4b:01:01'/>
      <source network='kvmnet-apply'/>
      <model type='e1000'/>
    </interface>
  </devices>
</domain>
XML
libvirt_start_paused "$tmp/net.xml" "$tmp/dom.xml" kvmnet-apply

out=$(k vm show kvmnet-apply) || fail "vm show exit $?"
grep -q 'e1000 .*emulated' <<<"$out" || fail "vm show: no emulated e1000 line: $out"
grep -q 'kvmnet-apply (kvabr0)' <<<"$out" || fail "vm show: no live bridge: $out"

out=$(k vm advise kvmnet-apply --json) || fail "vm advise exit $?"
[ "$(jq -r '.interfaces[0].recommended' <<<"$out")" = "virtio-$backend" ] || fail "advise: $out"
[ "$(jq -r '.interfaces[0].queues' <<<"$out")" = 2 ] || fail "advise queues: $out"

out=$(k vm apply --dry-run kvmnet-apply) || fail "dry-run exit $?"
grep -q '^-      <model type="e1000"/>' <<<"$out" || fail "dry-run diff: $out"
grep -q '^+      <model type="virtio"/>' <<<"$out" || fail "dry-run diff: $out"
grep -q "^+      <driver name=\"$backend\" queues=\"2\"/>" <<<"$out" || fail "dry-run diff: $out"
v dumpxml --inactive kvmnet-apply | grep -q "model type='e1000'" || fail "dry-run changed the definition"

out=$(k vm apply kvmnet-apply) || fail "apply exit $?: $out"
grep -q '^Defined kvmnet-apply' <<<"$out" || fail "apply: $out"
grep -q 'is running' <<<"$out" || fail "apply: no note on the running domain: $out"
grep -q 'ethtool -L IFACE combined 2' <<<"$out" || fail "apply: no guest command: $out"
inactive=$(v dumpxml --inactive kvmnet-apply)
grep -q "model type='virtio'" <<<"$inactive" || fail "definition not virtio: $inactive"
grep -q "driver name='$backend' queues='2'" <<<"$inactive" || fail "definition driver: $inactive"
v dumpxml kvmnet-apply | grep -q "model type='e1000'" || fail "the live domain changed"

out=$(k vm apply kvmnet-apply) || fail "second apply exit $?"
grep -q 'nothing to change' <<<"$out" || fail "second apply: $out"

# QEMU starts with the applied definition.
v destroy kvmnet-apply >/dev/null || fail "destroy"
v start --paused kvmnet-apply >/dev/null || fail "start with the applied definition"
out=$(k vm show kvmnet-apply)
grep -q "virtio .*virtio-$backend" <<<"$out" || fail "vm show after restart: $out"
grep -qE ' 2 +virtio' <<<"$out" || fail "vm show queues after restart: $out"

k vm apply no-such-domain >/dev/null 2>&1
[ $? = 1 ] || fail "apply of a missing domain must exit 1"

v destroy kvmnet-apply >/dev/null
v undefine kvmnet-apply >/dev/null
t_done "vm show/advise/apply"
