#!/bin/bash
# kvmnetd and failover pairs, in --dry-run on the fake igb host
# (tests/fixtures/sriov-igb-vfs) with test-driver VMs
# (tests/fixtures/libvirt-test/daemon-team.xml): a VM whose virtio NIC is
# the persistent member of a failover pair gets its VF with that NIC's MAC
# (QEMU's failover requires equal MACs), set on the PF and given at attach;
# a VM without a pair, or whose pair already has a transient member, gets
# the MAC derived from its UUID.  The attach as the transient member itself
# is checked in the lab (tests/lab/t-team.sh).
#   test-kvmnetd-team.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch team
pid=
t_cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null; }
uri="test://$src/tests/fixtures/libvirt-test/daemon-team.xml"
fake_igb_host "$src" "$uri"

"$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
serving() { [ "$(grep -c "would attach" "$T/log")" = 3 ] && [ -S "$T/sock" ]; }
wait_for 5 serving
cat "$T/log"
grep -q "would set PF 0000:01:00.0 VF [0-9]* ([0-9a-f:.]*) MAC to 52:54:00:7e:10:01 for VM pair" "$T/log" ||
	fail "pair: the VF MAC is not the virtio member's"
grep -q "would attach PF 0000:01:00.0 VF [0-9]* ([0-9a-f:.]*) to VM pair with MAC 52:54:00:7e:10:01" "$T/log" ||
	fail "pair: not attached with the virtio member's MAC"
grep -q "would attach .* to VM solo with MAC 52:54:00" "$T/log" && fail "solo: got a virtio MAC"
grep -q "would attach .* to VM solo with MAC " "$T/log" || fail "solo: no VF"
grep -q "would attach .* to VM handpaired with MAC 52:54:00:7e:10:03" "$T/log" &&
	fail "handpaired: a second transient member for a pair that has one"
grep -q "would attach .* to VM handpaired with MAC " "$T/log" || fail "handpaired: no VF"

# vm advise asks this kvmnetd over its control socket: pair is on a VF
# (dry run) and its teamed NIC carries the VF advice; the host facts come
# from the fake tree (1 PF, 7 VFs, 3 free: VF 1 is on igbvf).
out=$("$ctl" -c "$uri" vm advise pair --json) || fail "vm advise pair: exit $?"
[ "$(jq -r .kvmnetd_gives_vf <<<"$out")" = true ] || fail "advise: kvmnetd's VF not seen: $out"
[ "$(jq -r '.interfaces[0].want_vf' <<<"$out")" = true ] || fail "advise: no VF on the teamed NIC: $out"
[ "$(jq -r '.sriov | "\(.pfs) \(.vfs) \(.free_vfs)"' <<<"$out")" = "1 7 3" ] || fail "advise: SR-IOV facts: $out"
jq -r '.interfaces[0].hint' <<<"$out" | grep -q "failover alias 'ua-kvmnet-5254007e1001'" ||
	fail "advise: the hint does not name the pair: $out"
# With kvmnetd gone, advise says so instead of assuming.
kill -TERM "$pid"
wait "$pid"
pid=
out=$("$ctl" -c "$uri" vm advise solo --workload latency) || fail "vm advise solo: exit $?"
grep -q "but kvmnetd gives this domain none: $T/sock: kvmnetd is not running" <<<"$out" ||
	fail "advise without kvmnetd: $out"
out=$("$ctl" -c "$uri" vm advise solo --workload latency --vf)
grep -q "kvmnetd gives this domain a VF: pair it" <<<"$out" || fail "advise --vf: $out"

t_done "kvmnetd failover pairs"
