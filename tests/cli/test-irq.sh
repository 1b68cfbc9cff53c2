#!/bin/bash
# kvmnetctl irq on a writable copy of tests/fixtures/virtio-2cpu (a real
# machine's tree), outputs compared with golden/irq-*.  Usage:
#   test-irq.sh KVMNETCTL FIXTURES GOLDEN [--update]
set -u
ctl=$1 fixtures=$2 golden=$3 update=${4:-}
root=$(mktemp -d /tmp/kvmnet-test-irq-cli-XXXXXX)
trap 'rm -rf "$root"' EXIT
cp -a "$fixtures/virtio-2cpu/." "$root/"
export KVMNET_SYSROOT=$root
fail=0

# A second netdev whose device link is the PCI function itself (igb, ixgbe,
# mlx5 register so), beside virtio's link to a child device.
dev=$root/sys/devices/pci0000:00/0000:00:03.0
mkdir -p "$dev/net/enp0s3"
ln -s ../../../0000:00:03.0 "$dev/net/enp0s3/device"
ln -s ../../devices/pci0000:00/0000:00:03.0/net/enp0s3 "$root/sys/class/net/enp0s3"
# And one without a PCI device (lo, bridges): show skips it.
mkdir -p "$root/sys/devices/virtual/net/lo"
ln -s ../../devices/virtual/net/lo "$root/sys/class/net/lo"

# run NAME EXPECTED_EXIT ARGS...: stdout and stderr into one golden file.
run() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$ctl" "$@" 2>&1)
	rc=$?
	out+=$'\n'"exit $rc"
	if [ "$update" = --update ]; then
		printf '%s\n' "$out" >"$golden/irq-$name"
	elif ! diff -u "$golden/irq-$name" <(printf '%s\n' "$out"); then
		echo "FAIL: $name differs from golden/irq-$name"
		fail=1
	fi
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $name: exit $rc, expected $want"
		fail=1
	fi
}

run show-all 0 irq show
run show-json 0 irq show eth0 --json
run show-pci 0 irq show 0000:00:03.0
run show-lo 1 irq show lo
run show-nopci 1 irq show 0000:00:09.0
run show-badname 2 irq show ../etc
run usage-none 2 irq
run usage-verb 2 irq frob
run pin-usage 2 irq pin eth0
run pin-badlist 2 irq pin eth0 1-
run pin-offline 2 irq pin eth0 2
run pin-json 2 irq pin --json eth0 1
# The fake effective_affinity_list files do not follow: 37 and 39 stay on
# CPU 0 and are reported as MISMATCH.
run pin-one 0 irq pin enp0s3 1
for i in 37 38 39; do
	[ "$(cat "$root/proc/irq/$i/smp_affinity_list")" = 1 ] || { echo "FAIL: irq $i not written"; fail=1; }
done
run pin-both 0 irq pin eth0 0-1
run show-after 0 irq show eth0
# No /proc/interrupts: counts unknown, names from /proc/irq/N/, affinity shown.
mv "$root/proc/interrupts" "$root/proc/interrupts.away"
run show-nocounts 0 irq show eth0
mv "$root/proc/interrupts.away" "$root/proc/interrupts"
# A write the kernel refuses: a directory stands in for the file (EISDIR).
rm "$root/proc/irq/38/smp_affinity_list"
mkdir "$root/proc/irq/38/smp_affinity_list"
run pin-refused 1 irq pin eth0 0

[ "$fail" = 0 ] && echo "irq cli: all outputs match"
exit "$fail"
