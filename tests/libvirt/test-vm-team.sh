#!/bin/bash
# kvmnetctl vm team against the real libvirtd of run.sh:
#   run.sh test-vm-team.sh KVMNETCTL
# A TCG domain with a virtio NIC on a libvirt network and an e1000 beside
# it: vm team must make the virtio NIC the persistent member of a failover
# pair in the persistent definition (teaming persistent + ua-kvmnet- alias)
# in a form libvirt accepts, QEMU must start with it (failover=on on the
# virtio-net device), a second run changes nothing, the e1000 is refused,
# and --remove gives the definition back.  virsh sets up and inspects;
# only kvmnetctl is under test.
set -uo pipefail

ctl=$1
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
. "$(dirname "$0")/../lib/testlib.sh"
v() { virsh -q -c "$uri" "$@"; }
k() { "$ctl" -c "$uri" "$@"; }

t_scratch vm
tmp=$T
cat >"$tmp/net.xml" <<'XML'
<network><name>kvmnet-team</name><bridge name='kvtbr0' stp='off'/></network>
XML
cat >"$tmp/dom.xml" <<'XML'
<domain type='qemu'>
  <name>kvmnet-team</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>1</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:4b:02:01'/>
      <source network='kvmnet-team'/>
      <model type='e1000'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:4b:02:02'/>
      <source network='kvmnet-team'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
XML
libvirt_start_paused "$tmp/net.xml" "$tmp/dom.xml" kvmnet-team
alias=ua-kvmnet-5254004b0202

out=$(k vm team --dry-run kvmnet-team) || fail "dry-run exit $?"
grep -q "^+      <teaming type=\"persistent\"/>" <<<"$out" || fail "dry-run diff: $out"
grep -q "^+      <alias name=\"$alias\"/>" <<<"$out" || fail "dry-run diff: $out"
v dumpxml --inactive kvmnet-team | grep -q "<teaming" && fail "dry-run changed the definition"

out=$(k vm team kvmnet-team) || fail "team exit $?: $out"
grep -q '^Defined kvmnet-team' <<<"$out" || fail "team: $out"
grep -q 'net_failover' <<<"$out" || fail "team: no word on the guest driver: $out"
grep -q 'is running: shut it down and start it' <<<"$out" || fail "team: no note on the running domain: $out"
inactive=$(v dumpxml --inactive kvmnet-team)
virtio=$(sed -n "/52:54:00:4b:02:02/,/<\/interface>/p" <<<"$inactive")
grep -q "<teaming type='persistent'/>" <<<"$virtio" || fail "definition has no persistent member: $inactive"
grep -q "<alias name='$alias'/>" <<<"$virtio" || fail "definition has no user alias: $inactive"
[ "$(grep -c '<teaming' <<<"$inactive")" = 1 ] || fail "teaming on the e1000 too: $inactive"
v dumpxml kvmnet-team | grep -q "<teaming" && fail "the live domain changed"

out=$(k vm team kvmnet-team) || fail "second team exit $?"
grep -q 'already the persistent member' <<<"$out" || fail "second team: $out"
k vm team kvmnet-team --iface 52:54:00:4b:02:01 >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "teaming the e1000: exit $rc, want 1"
grep -q "model e1000, not virtio" "$tmp/out" || fail "teaming the e1000: $(cat "$tmp/out")"

# QEMU starts with it: the live XML keeps the pair and QEMU got failover=on.
v destroy kvmnet-team >/dev/null || fail "destroy"
v start --paused kvmnet-team >/dev/null || fail "start with the teamed definition"
live=$(v dumpxml kvmnet-team)
grep -q "<teaming type='persistent'/>" <<<"$live" || fail "live XML lost the pair: $live"
grep -q "<alias name='$alias'/>" <<<"$live" || fail "live XML lost the alias: $live"
pid=$(cat "$KVMNET_TEST_DIR"/run/qemu/kvmnet-team.pid 2>/dev/null || pgrep -f 'guest=kvmnet-team' | head -1)
if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ]; then
	# The -device argument of the virtio NIC, in libvirt's JSON form.
	dev=$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep "\"id\":\"$alias\"")
	grep -q '"driver":"virtio-net-pci"' <<<"$dev" && grep -q '"failover":true' <<<"$dev" ||
		fail "QEMU's virtio-net has no failover=on: $dev"
else
	fail "no QEMU process found for kvmnet-team"
fi
out=$(k vm show kvmnet-team)
grep -q "$alias .*persistent" <<<"$out" || fail "vm show: no persistent member: $out"

# --remove gives the original definition back.
out=$(k vm team kvmnet-team --remove) || fail "remove exit $?: $out"
grep -q "^-      <teaming type=\"persistent\"/>" <<<"$out" || fail "remove diff: $out"
inactive=$(v dumpxml --inactive kvmnet-team)
grep -q "<teaming" <<<"$inactive" && fail "remove left <teaming>: $inactive"
grep -q "$alias" <<<"$inactive" && fail "remove left the alias: $inactive"
out=$(k vm team kvmnet-team --remove) || fail "second remove exit $?"
grep -q "nothing to undo" <<<"$out" || fail "second remove: $out"

v destroy kvmnet-team >/dev/null
v undefine kvmnet-team >/dev/null
t_done "vm team"
