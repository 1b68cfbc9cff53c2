#!/bin/sh
# kvmnetctl sriov / vf on fake trees: output against golden files, exit
# statuses, bad arguments, and that refused or idempotent commands write
# nothing (every file's ctime is compared).  Sysfs attributes are plain
# files here, so no VF appears after a set: this checks the CLI, the
# engine's kernel behaviour is tests/unit/test-sriov-engine.c.
# Usage: test-sriov-cli.sh KVMNETCTL FIXTURES_DIR GOLDEN_DIR
set -u
K=$1 FIX=$(cd "$2" && pwd) GOLD=$3
fail=0
T=$(mktemp -d /tmp/kvmnet-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

# The VMs of the fake host: libvirt's in-process test driver, where web1
# holds VF 0 of enp1s0 (db1, shut off, holds nothing).
export KVMNET_LIBVIRT_URI="test://$FIX/sriov-igb-vfs-libvirt.xml"

tree() { rm -rf "$T/root"; mkdir -p "$T/root"; cp -a "$FIX/$1/sys" "$T/root/"; export KVMNET_SYSROOT="$T/root"; }
stamp() { find "$T/root" -printf '%p %C@\n' | sort > "$T/stamp"; }
unchanged() {
	find "$T/root" -printf '%p %C@\n' | sort > "$T/stamp2"
	cmp -s "$T/stamp" "$T/stamp2" || { echo "FAIL: $1 changed the tree"; diff "$T/stamp" "$T/stamp2" | head; fail=1; }
}
# expect STATUS NAME CMD...: run, compare stdout+stderr with golden NAME
expect() {
	want=$1 name=$2; shift 2
	"$@" > "$T/out" 2>&1
	got=$?
	[ "$got" = "$want" ] || { echo "FAIL: $name: exit $got, expected $want"; cat "$T/out"; fail=1; }
	if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$T/out" "$GOLD/$name"; fi
	diff -u "$GOLD/$name" "$T/out" || { echo "FAIL: $name: output differs from golden"; fail=1; }
}

tree sriov-igb-vfs
stamp
expect 0 show-all "$K" sriov show
expect 0 show-pf "$K" sriov show enp1s0
expect 0 show-by-addr "$K" sriov show 01:00.0
expect 1 set-refused "$K" sriov set enp1s0 2
expect 1 reset-refused "$K" sriov reset 0000:01:00.0
expect 0 set-same "$K" sriov set enp1s0 4
expect 0 bind-same "$K" vf bind enp1s0 0 vfio-pci
expect 0 bind-none-same "$K" vf bind enp1s0 3 none
# web1 holds VF 0: pulling it to another driver is refused, naming web1;
# so is a new MAC or VLAN under it (refused before rtnetlink is asked).
expect 1 bind-held "$K" vf bind enp1s0 0 none
expect 1 set-mac-held "$K" vf set enp1s0 0 mac 02:00:00:00:00:01
expect 1 set-vlan-held "$K" vf set enp1s0 0 vlan 7
# A rate or trust under it is allowed, and --force lets the MAC through:
# both get as far as rtnetlink, which a fake tree does not have.
expect 1 set-trust-held "$K" vf set enp1s0 0 trust on
expect 1 set-mac-held-force "$K" vf set --force enp1s0 0 mac 02:00:00:00:00:01
unchanged "refused and idempotent commands"

# libvirt out of reach: show warns and goes on; a change is refused unless
# forced, since VMs keep running (and holding VFs) while libvirtd is down.
KVMNET_LIBVIRT_URI="qemu+unix:///system?socket=/nonexistent/kvmnet-libvirt-sock"
expect 0 show-blind "$K" sriov show enp1s0
expect 1 set-blind "$K" sriov set enp1s0 2
expect 1 bind-blind "$K" vf bind enp1s0 2 vfio-pci
expect 1 set-mac-blind "$K" vf set enp1s0 2 mac 02:00:00:00:00:02
unchanged "commands without libvirt"
KVMNET_LIBVIRT_URI="test://$FIX/sriov-igb-vfs-libvirt.xml"

# Bad arguments: exit 2, the argument named, nothing written.
expect 2 bad-count "$K" sriov set enp1s0 8
expect 2 bad-count-word "$K" sriov set enp1s0 many
# Decimal only: 0x7 is not 7 VFs (issue 19).
expect 2 bad-count-hex "$K" sriov set enp1s0 0x7
expect 2 bad-pf "$K" sriov set eth7 1
expect 2 bad-verb "$K" sriov grow enp1s0 1
expect 2 bad-show-args "$K" sriov show enp1s0 extra
expect 2 bad-force-show "$K" sriov show --force
expect 2 bad-index "$K" vf set enp1s0 4 trust on
expect 2 bad-mac "$K" vf set enp1s0 0 mac 02:00:00:00:00
expect 2 bad-vlan "$K" vf set enp1s0 0 vlan 4096
# Negative numbers are refused by name, not taken for options; an
# attribute given twice is refused, not "the last one wins" (issue 19).
expect 2 bad-vlan-negative "$K" vf set enp1s0 0 vlan -1
expect 2 bad-index-negative "$K" vf set enp1s0 -1 trust on
expect 2 bad-count-negative "$K" sriov set enp1s0 -3
expect 2 bad-vlan-twice "$K" vf set enp1s0 0 vlan 10 vlan 20
expect 2 bad-qos-alone "$K" vf set enp1s0 0 qos 1
expect 2 bad-onoff "$K" vf set enp1s0 0 spoofchk yes
expect 2 bad-state "$K" vf set enp1s0 0 state up
expect 2 bad-attr "$K" vf set enp1s0 0 colour blue
expect 2 bad-novalue "$K" vf set enp1s0 0 trust
expect 2 bad-rates "$K" vf set enp1s0 0 min-rate 100 max-rate 10
expect 2 bad-bind "$K" vf bind enp1s0 0 igbvf
expect 2 bad-not-pf "$K" vf bind 0000:01:10.4 0 none
unchanged "bad arguments"

# --force says what it breaks before it does it, then does it.
expect 0 set-force "$K" sriov set enp1s0 2 --force
[ "$(cat "$T/root/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs")" = 2 ] || { echo "FAIL: --force did not write numvfs"; fail=1; }

# A fresh PF: autoprobe off before numvfs.
tree sriov-igb
expect 0 set-create "$K" sriov set enp1s0 7
[ "$(cat "$T/root/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe")" = 0 ] || { echo "FAIL: autoprobe not off"; fail=1; }
expect 0 help "$K" sriov --help
expect 0 vf-help "$K" vf --help

# Persistence: written once, idempotent, foreign files never touched,
# unpersist removes exactly what the manifest lists.
tree sriov-igb-vfs
mkdir -p "$T/root/etc/systemd/system" "$T/root/etc/modprobe.d"
echo "options foo bar=1" > "$T/root/etc/modprobe.d/foo.conf"
# The boot unit runs the installed kvmnetctl ($KVMNETCTL_INSTALLED, the
# build's sbindir), and only one that no user but root can replace.
exe="$T/root$KVMNETCTL_INSTALLED"
mkdir -p "$(dirname "$exe")"
cp "$K" "$exe"
chmod 755 "$exe"
d=$exe; while [ "$d" != "$T" ]; do chmod go-w "$d"; d=$(dirname "$d"); done
# refused WHY: persist exits 1 saying WHY and writes nothing.
refused() {
	stamp
	"$K" sriov persist > "$T/out" 2>&1
	got=$?
	[ "$got" = 1 ] && grep -q "$1" "$T/out" || { echo "FAIL: persist with $1: exit $got"; cat "$T/out"; fail=1; }
	unchanged "a refused persist ($1)"
}
if [ "$(id -u)" != 0 ]; then
	refused "$KVMNETCTL_INSTALLED is not owned by root"
	echo "persistence: the rest needs root (a root-owned kvmnetctl); skipped"
	[ $fail = 0 ] && echo "all CLI checks passed"
	exit $fail
fi
chmod g+w "$exe"
refused "$KVMNETCTL_INSTALLED is group-writable"
chmod g-w "$exe"
chmod o+w "$(dirname "$exe")"
refused "$(dirname "$KVMNETCTL_INSTALLED") is writable by anyone"
chmod o-w "$(dirname "$exe")"
chown 65534 "$exe"
refused "$KVMNETCTL_INSTALLED is not owned by root"
chown 0 "$exe"
mv "$exe" "$exe.x"
refused "kvmnetctl is not installed at $KVMNETCTL_INSTALLED"
mv "$exe.x" "$exe"
expect 0 persist "$K" sriov persist
sed "s|$KVMNETCTL_INSTALLED|@KVMNETCTL@|" "$T/root/etc/systemd/system/kvmnet-sriov.service" > "$T/unit"
diff -u "$GOLD/persist-unit" "$T/unit" || { echo "FAIL: unit text"; fail=1; }
grep -q '^Before=libvirtd.service' "$T/root/etc/systemd/system/kvmnet-sriov.service" || { echo "FAIL: unit Before"; fail=1; }
[ "$(readlink "$T/root/etc/systemd/system/multi-user.target.wants/kvmnet-sriov.service")" = ../kvmnet-sriov.service ] || { echo "FAIL: unit not enabled"; fail=1; }
diff -u "$GOLD/persist-state" "$T/root/etc/kvmnet/sriov.d/0000:01:00.0.conf" || { echo "FAIL: state file"; fail=1; }
stamp
expect 0 persist-again "$K" sriov persist enp1s0
unchanged "a second persist"
# A file kvmnet did not write is left alone, and says so.
echo "options igb max_vfs=2" > "$T/root/etc/modprobe.d/kvmnet-igb.conf"
expect 1 persist-modprobe-foreign "$K" sriov persist --modprobe
grep -q 'max_vfs=2' "$T/root/etc/modprobe.d/kvmnet-igb.conf" || { echo "FAIL: foreign file overwritten"; fail=1; }
rm "$T/root/etc/modprobe.d/kvmnet-igb.conf"
expect 0 persist-modprobe "$K" sriov persist --modprobe enp1s0
diff -u "$GOLD/persist-modprobe-conf" "$T/root/etc/modprobe.d/kvmnet-igb.conf" || { echo "FAIL: modprobe file"; fail=1; }
# restore: a recorded count is made again; bad state files name the line.
echo 0 > "$T/root/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs"
rm "$T/root/sys/bus/pci/devices/0000:01:00.0/virtfn"*
sed -i '/^vf /d' "$T/root/etc/kvmnet/sriov.d/0000:01:00.0.conf"
expect 1 unpersist-changed "$K" sriov unpersist
[ -e "$T/root/etc/kvmnet/sriov.d/0000:01:00.0.conf" ] || { echo "FAIL: changed state file removed"; fail=1; }
expect 0 restore "$K" sriov restore
[ "$(cat "$T/root/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs")" = 4 ] || { echo "FAIL: restore count"; fail=1; }
printf 'pf 0000:01:00.0\nnumvfs 2\nvf 0 vlan 5000\n' > "$T/root/etc/kvmnet/sriov.d/bad.conf"
expect 1 restore-bad "$K" sriov restore
rm "$T/root/etc/kvmnet/sriov.d/bad.conf" "$T/root/etc/kvmnet/sriov.d/0000:01:00.0.conf"
expect 0 unpersist-left "$K" sriov unpersist
[ -e "$T/root/etc/modprobe.d/foo.conf" ] || { echo "FAIL: unpersist removed a foreign file"; fail=1; }
(cd "$T/root" && find etc | sort) > "$T/left"
diff -u "$GOLD/unpersist-left-tree" "$T/left" || { echo "FAIL: unpersist left the wrong files"; fail=1; }
expect 2 bad-modprobe-verb "$K" sriov show --modprobe

[ $fail = 0 ] && echo "all CLI checks passed"
exit $fail
