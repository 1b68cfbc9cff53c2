#!/bin/bash
# One PF, one identity: [sriov] pf and [irq] nic entries are resolved
# through the fake tree (tests/fixtures/sriov-igb-vfs, PF enp1s0 at
# 0000:01:00.0) before anything is counted.  A PF listed under two of its
# names (netdev, full address, address without domain) is a configuration
# error naming both lines; a name that resolves to nothing is one too; a
# dry run plans each VF once.  kvmnetctl takes the three names alike.
#   test-kvmnetd-pf-names.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch pfnames
pid=
t_cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null; }
uri="test://$src/tests/fixtures/libvirt-test/node.xml"
fake_igb_host "$src" "$uri"

# conf NAME LINE...: $T/NAME.conf, the test's [sriov] section with LINEs.
conf() {
	local name=$1
	shift
	{
		printf '[libvirt]\nuri = %s\n[sriov]\nthreshold = 2\n' "$uri"
		printf '%s\n' "$@"
		printf '[daemon]\nstate_dir = %s\n' "$T/state"
	} >"$T/$name.conf"
}
# refused NAME MESSAGE: --check-config exits 2 and says MESSAGE.
refused() {
	"$kvmnetd" --check-config -c "$T/$1.conf" >"$T/$1.out" 2>&1
	local rc=$?
	[ "$rc" = 2 ] || fail "$1: exit $rc, expected 2"
	grep -qF "$2" "$T/$1.out" || fail "$1: no '$2' in: $(cat "$T/$1.out")"
}

conf netdev-addr "pf = enp1s0" "pf = 0000:01:00.0"
refused netdev-addr "netdev-addr.conf:6: pf: '0000:01:00.0' is 0000:01:00.0, already listed on $T/netdev-addr.conf:5"
conf short-full "pf = 01:00.0" "pf = 0000:01:00.0"
refused short-full "short-full.conf:6: pf: '0000:01:00.0' is already listed on $T/short-full.conf:5"
conf addr-netdev "pf = 01:00.0" "pf = enp1s0"
refused addr-netdev "addr-netdev.conf:6: pf: 'enp1s0' is 0000:01:00.0, already listed on $T/addr-netdev.conf:5"
conf irq-nic "pf = enp1s0" "[irq]" "nic = enp1s0" "nic = 01:00.0"
refused irq-nic "irq-nic.conf:8: nic: '0000:01:00.0' is 0000:01:00.0, already listed on $T/irq-nic.conf:7"
conf missing "pf = eth9"
refused missing "missing.conf:5: pf: 'eth9': no such interface or PCI device"
conf missing-addr "pf = 0000:09:00.0"
refused missing-addr "missing-addr.conf:5: pf: '0000:09:00.0': no such interface or PCI device"
conf missing-nic "pf = enp1s0" "[irq]" "nic = 07:00.0"
refused missing-nic "missing-nic.conf:7: nic: '0000:07:00.0': no such interface or PCI device"
conf one "pf = enp1s0"
"$kvmnetd" --check-config -c "$T/one.conf" >"$T/one.out" 2>&1 || fail "one name refused: $(cat "$T/one.out")"
grep -q "configuration OK (1 PF(s)" "$T/one.out" || fail "one: $(cat "$T/one.out")"

# The duplicate does not start the daemon either (it used to plan the same
# VF for both VMs); a single short name plans each VF once.
"$kvmnetd" --foreground --dry-run -c "$T/netdev-addr.conf" -s "$T/sock" >"$T/dup.log" 2>&1 &
pid=$!
wait_for 5 grep -q "would attach" "$T/dup.log"
kill "$pid" 2>/dev/null
wait "$pid"
rc=$?
pid=
[ "$rc" = 2 ] || fail "dry run of a duplicate PF: exit $rc, expected 2"
grep "would attach" "$T/dup.log" && fail "dry run of a duplicate PF planned attaches"

conf short "pf = 01:00.0"
"$kvmnetd" --foreground --dry-run -c "$T/short.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
wait_for 5 grep -q "dry run: split active" "$T/log" || fail "short name: no plan: $(cat "$T/log")"
kill -TERM "$pid"
wait "$pid"
pid=
n=$(grep -c "would attach" "$T/log")
[ "$n" = 2 ] || fail "short name: $n attaches, expected 2"
dups=$(grep -o "would attach PF [^ ]* VF [0-9]* ([^)]*)" "$T/log" | sed 's/.*(//' | sort | uniq -d)
[ -z "$dups" ] || fail "a VF planned twice: $dups"
grep -q "would attach PF 0000:01:00.0 VF 0 (0000:01:10.0) to VM vm-b" "$T/log" || fail "short name: $(cat "$T/log")"

# kvmnetctl: the same answer under the three names (irq show labels a
# NIC with the name given), one error naming a name that resolves to none.
export KVMNET_LIBVIRT_URI=$uri
for verb in "sriov show" "irq show" "sriov persist"; do
	for name in enp1s0 0000:01:00.0 01:00.0; do
		rm -rf "$T/root/etc"
		# shellcheck disable=SC2086
		KVMNET_SYSROOT=$T/root "$ctl" $verb "$name" >"$T/ctl-$name" 2>&1
		echo "exit $?" >>"$T/ctl-$name"
		sed -i "s/^${name//./\\.}\([: ]\)/NAME\1/" "$T/ctl-$name"
	done
	cmp -s "$T/ctl-enp1s0" "$T/ctl-0000:01:00.0" && cmp -s "$T/ctl-enp1s0" "$T/ctl-01:00.0" ||
		fail "$verb: the three names differ: $(head -5 "$T"/ctl-*)"
	rm -rf "$T/root/etc"
	# shellcheck disable=SC2086
	"$ctl" $verb eth9 >"$T/ctl-none" 2>&1
	rc=$?
	[ "$rc" != 0 ] || fail "$verb eth9: exit 0"
	grep -q "eth9" "$T/ctl-none" || fail "$verb eth9: $(cat "$T/ctl-none")"
done

t_done "kvmnetd PF names"
